import { DISPLAY_NAME_ANNOTATION, LAYER_ANNOTATION } from '../../api/names.js';
import { asLayer, compact, isObject, jsonObject, str, type VersionMetadata } from './version-metadata.js';

/**
 * Chart metadata from a Helm OCI config blob (`application/vnd.cncf.helm.config.v1+json`: Chart.yaml
 * as JSON). Undefined when the blob is not a JSON object: such a manifest is skipped, not fatal.
 */
export function parseHelmConfig(blob: Buffer): Omit<VersionMetadata, 'created'> | undefined {
  const chart = jsonObject(blob);
  if (!chart) return undefined;
  const annotations = isObject(chart.annotations) ? chart.annotations : {};
  return compact({
    layer: asLayer(annotations[LAYER_ANNOTATION]) ?? 'addon',
    displayName: str(annotations[DISPLAY_NAME_ANNOTATION]),
    description: str(chart.description),
    icon: str(chart.icon),
    appVersion: str(chart.appVersion),
    kubeVersion: str(chart.kubeVersion),
    deprecated: chart.deprecated === true || undefined,
  });
}
