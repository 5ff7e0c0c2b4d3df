// Real Palette data from ../shared/fixtures/palette (beside the repository, as CI clones it): pack.json
// files of spectrocloud/pack-central and a cluster-profile export. Missing fixtures fail loudly.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PALETTE_FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/palette/', import.meta.url));

/** pack-central directory names of the pack.json fixtures, e.g. `argocd-3.26.7`. */
export const PALETTE_PACKS = [
  'antrea-1.9.0',
  'argocd-3.26.7',
  'elastic-stack-0.19.0',
  'hello-universe-1.3.1',
  'kubeflow-full-1.5.0',
  'kubevious-1.0.10',
  'nvidia-dra-driver-25.8.1',
  'piraeus-operator-2.9.0',
  'upbound-crossplane-2.0.2-up.4',
] as const;
export type PalettePackDir = (typeof PALETTE_PACKS)[number];

export const PALETTE_EXPORT =
  'spectrocloud__tutorials__terraform__edge-tf__.terraform_cluster-profile-649133494c39ac0e8e61a9e5.json';

export function paletteFixturePath(file: string): string {
  const path = join(PALETTE_FIXTURES, file);
  if (!existsSync(path)) {
    throw new Error(
      `Palette fixture ${file} not found in ${PALETTE_FIXTURES}: the tests need ../shared/fixtures/palette beside the repository`,
    );
  }
  return path;
}

/** The bytes of a pack's pack.json, exactly as pack-central has them. */
export function palettePackJson(dir: PalettePackDir): Buffer {
  return readFileSync(paletteFixturePath(`spectrocloud__pack-central__packs__${dir}__pack.json`));
}
