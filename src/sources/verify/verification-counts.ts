import type { VerificationCounts } from '../../api/verification.js';
import type { CatalogPack } from '../catalog.js';

/** How a catalogue's versions verified; undefined when none was checked (the registry does not verify). */
export function verificationCounts(packs: readonly CatalogPack[]): VerificationCounts | undefined {
  const counts: VerificationCounts = { verified: 0, unsigned: 0, failed: 0 };
  let checked = false;
  for (const v of packs.flatMap((p) => p.versions)) {
    if (!v.verification) continue;
    checked = true;
    if (v.verification.state === 'Verified') counts.verified++;
    else if (v.verification.state === 'Unsigned') counts.unsigned++;
    else counts.failed++;
  }
  return checked ? counts : undefined;
}
