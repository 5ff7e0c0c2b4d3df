import type { VersionVerification } from '../../api/verification.js';
import type { OciClient } from '../oci/oci-client.js';
import { verifySimpleSigning } from './cosign-simple-signing.js';
import { verifyBundles } from './sigstore-bundle.js';
import type { CosignTrust } from './trust-keys.js';
import { failed, unsigned } from './verification-result.js';

/**
 * One manifest's cosign signatures, in both places cosign writes them: the legacy `.sig` tag and
 * sigstore bundles attached as referrers. Any valid one verifies the version; signatures that are
 * there but all fail make it Failed; none at all, Unsigned.
 */
export async function verifyCosign(
  client: OciClient,
  repository: string,
  digest: string,
  trust: CosignTrust,
  now: Date,
): Promise<VersionVerification> {
  const legacy = await verifySimpleSigning(client, repository, digest, trust, now);
  if (legacy?.state === 'Verified') return legacy;
  const bundle = await verifyBundles(client, repository, digest, trust, now);
  if (bundle?.state === 'Verified') return bundle;
  const found = [legacy, bundle].filter((v): v is VersionVerification => v !== undefined);
  if (found.length === 0)
    return unsigned(
      `no cosign signature for ${digest} (no ${digest.replace(':', '-')}.sig tag, no sigstore bundle referrer)`,
    );
  return failed(found.map((v) => v.reason).join('; '), found.length === 1 ? found[0]!.method : undefined);
}
