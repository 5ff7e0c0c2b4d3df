import { z } from 'zod';
import { dnsSubdomain, layer, objectMeta, timestamp } from './common.js';
import { versionVerification } from './verification.js';

import { PACK_KIND } from './names.js';

export { LAYER_ANNOTATION, PACK_KIND, PACK_LABEL, REGISTRY_LABEL } from './names.js';

export const packDependency = z
  .object({
    packName: z.string().min(1).describe('Name of the pack this version depends on.'),
    type: z
      .enum(['required', 'optional', 'notSupported', 'upgrade'])
      .describe(
        'required: must be in the profile, within the bounds; optional: if present, within the bounds; notSupported: must not be in the profile within the bounds; upgrade: this version may be upgraded to only from versions of the same pack within the bounds.',
      ),
    layer: layer.optional().describe('Layer of the other pack.'),
    minVersion: z
      .string()
      .optional()
      .describe('Lower bound (inclusive); unset or empty is unbounded, 1.29 means 1.29.0.'),
    maxVersion: z
      .string()
      .optional()
      .describe('Upper bound (inclusive); unset or empty is unbounded, 1.29 means 1.29.0.'),
  })
  .describe('A Palette pack constraint on another pack of the same profile.');
export type PackDependency = z.infer<typeof packDependency>;

export const packResourceComponent = z.object({
  scheduleType: z
    .enum(['all', 'master', 'worker'])
    .describe('Where the component runs: control plane (master), workers or all nodes.'),
  resourceRequestParamRef: z.string().optional().describe("Values path of the component's resource request."),
  replicaCountParamRef: z.string().optional().describe("Values path of the component's replica count."),
});

export const packResource = z
  .object({
    type: z.enum(['cpu', 'memory', 'diskSize']).describe('The resource.'),
    minLimit: z
      .number()
      .min(0)
      .optional()
      .describe("Minimum the pack needs, in Palette's units: cpu in millicores, memory in MiB, diskSize in GB."),
    components: z
      .array(packResourceComponent)
      .optional()
      .describe('Components whose requests make up the need (kept, not evaluated).'),
  })
  .describe("A Palette pack's constraints.resources entry, as pack.json writes it.");
export type PackResource = z.infer<typeof packResource>;

export const packVersion = z.object({
  version: z
    .string()
    .min(1)
    .describe(
      "The version as the publisher wrote it (index.yaml's version, or the OCI tag with _ read as +): what an exact " +
        'expression matches, the lock records and URLs use. Ordered as Helm orders versions (Masterminds/semver).',
    ),
  prerelease: z
    .boolean()
    .optional()
    .describe('A SemVer prerelease (1.2.0-rc.1): listed, and chosen only by an expression that names a prerelease.'),
  appVersion: z.string().optional().describe('Version of the packaged application.'),
  digest: z.string().optional().describe('Content digest (sha256:…) of the chart or pack.'),
  created: timestamp.optional().describe('When the version was published.'),
  urls: z.array(z.string()).optional().describe('Where the chart or pack can be downloaded.'),
  kubeVersion: z.string().optional().describe('SemVer range of Kubernetes versions the chart supports.'),
  deprecated: z
    .boolean()
    .optional()
    .describe(
      'The publisher marked this version deprecated (Chart.yaml deprecated; pack.json annotations.system_state deprecated, or an eol).',
    ),
  eol: z.string().optional().describe("End of life the publisher declared in pack.json's eol (its text, as written)."),
  dependencies: z.array(packDependency).optional().describe('Palette pack constraints.'),
  resources: z
    .array(packResource)
    .optional()
    .describe("Palette pack's constraints.resources: the minimum cpu, memory and disk it needs."),
  addonType: z.string().optional().describe("Palette pack's addonType from pack.json (e.g. cni, monitoring)."),
  cloudTypes: z.array(z.string()).optional().describe("Palette pack's cloudTypes from pack.json (e.g. all, aws)."),
  verification: versionVerification.optional(),
});
export type PackVersion = z.infer<typeof packVersion>;

/**
 * A Pack is a catalogue record written whole by the controller, so its content lives in spec: one
 * write per change, and metadata.generation tells watchers when the content moved. There is no status.
 */
export const packSpec = z
  .object({
    registry: dnsSubdomain.describe('The PackRegistry this pack was synced from.'),
    name: z.string().min(1).max(253).describe('Pack (chart) name in the registry.'),
    layer: layer
      .default('addon')
      .describe('Layer (kernel, os, k8s, cni, csi or addon): from the packyard.io/layer annotation or pack.json.'),
    displayName: z.string().optional().describe('Human-friendly name.'),
    description: z.string().optional().describe('What the pack provides.'),
    icon: z.string().optional().describe('URL of the pack icon.'),
    latest: z
      .string()
      .optional()
      .describe(
        'Newest stable version, as Helm\'s IndexFile.Get(name, "") picks it; unset when every version is a prerelease.',
      ),
    versionCount: z.int().min(0).optional().describe('Number of versions listed.'),
    versions: z
      .array(packVersion)
      .describe(
        'Versions, newest first; two spellings of one version (v1.2.3 and 1.2.3) are both listed, in a fixed order.',
      ),
  })
  .describe('A pack and its versions as the registry offers them. Written by the controller only.');
export type PackSpec = z.infer<typeof packSpec>;

export const pack = z.object({
  apiVersion: z.literal('packyard.io/v1alpha1'),
  kind: z.literal(PACK_KIND),
  metadata: objectMeta,
  spec: packSpec,
});
export type Pack = z.infer<typeof pack>;
