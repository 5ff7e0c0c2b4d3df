import { dump } from 'js-yaml';
import { buildCrd, crdName, KINDS } from './crds.js';

const HEADER = '# Generated from src/api by `make crds`. Do not edit.\n';

/** File name → YAML text of every CRD: what crds/ must hold. */
export function renderCrds(): Record<string, string> {
  return Object.fromEntries(
    KINDS.map((def) => [`${crdName(def)}.yaml`, HEADER + dump(buildCrd(def), { lineWidth: 120, noRefs: true })]),
  );
}
