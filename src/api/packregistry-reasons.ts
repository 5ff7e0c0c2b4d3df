import { RECONCILIATION_FAILED_DOC, type ReasonDoc } from './reasons.js';

/** Why a PackRegistry is or is not Ready, as docs/troubleshooting.md lists them. Plain TS: the operator loads no zod for it. */
export const PACKREGISTRY_REASONS = [
  {
    reason: 'Synced',
    stalls: undefined,
    doc:
      '`Ready=True`: the catalogue was built (or is unchanged, HTTP 304) from the registry; the message counts ' +
      'packs and versions (every entry Helm reads, repeats and prereleases included), and the entries Helm drops ' +
      'too (no name, a version Helm cannot read, a bad `type`).',
    fix: 'Nothing. `kubectl get pk -l packyard.io/registry=<name>` lists its Packs.',
  },
  {
    reason: 'AuthenticationFailed',
    stalls: true,
    doc:
      'The registry (or, for OCI, its token service: the message then starts with `token service <realm>`) ' +
      'answered 401 or 403: no credentials were configured, or they were rejected.',
    fix:
      "Put `username`/`password` (or `token`, or `.dockerconfigjson`) in a Secret **in the operator's namespace** " +
      '(`packyard-system`) and name it in `spec.secretRef`. Check the account can read the repository.',
  },
  {
    reason: 'NotFound',
    stalls: true,
    doc: 'HTTP 404/410: no index (`<url>/index.yaml`) or repository at that URL.',
    fix:
      'Fix `spec.url`: a Helm repository URL is the directory holding `index.yaml`; for OCI, check ' +
      '`spec.oci.repositories` / `baseContentPath`.',
  },
  {
    reason: 'TLSError',
    stalls: true,
    doc:
      'The TLS handshake failed: unknown CA, wrong host name, expired certificate, client certificate refused, or a ' +
      'TLS Secret key that is not PEM.',
    fix:
      'Put the CA in a Secret (`ca.crt`) and set `spec.tls.caSecretRef`; for mTLS `spec.tls.clientCertSecretRef` ' +
      '(`tls.crt`, `tls.key`). `insecureSkipVerify: true` only for tests.',
  },
  {
    reason: 'Timeout',
    stalls: false,
    doc: 'No complete response within `spec.timeout` (default 60s), no connection, or the server stopped sending.',
    fix:
      'Check the URL and network path (proxy: `HTTPS_PROXY`/`NO_PROXY` on the Deployment); raise `spec.timeout` for ' +
      'very large indexes.',
  },
  {
    reason: 'RateLimited',
    stalls: false,
    retry: 'retried after `Retry-After`',
    doc: 'HTTP 429 or 503.',
    fix:
      'Usually nothing: the next sync waits as long as the server asked. Raise `spec.interval`, or authenticate ' +
      '(anonymous limits are lower).',
  },
  {
    reason: 'IndexTooLarge',
    stalls: true,
    doc: 'The response is larger than `spec.maxIndexSize` (default 64 MiB), compressed or inflated.',
    fix: 'Raise `spec.maxIndexSize` if the repository really is that large, or point at a smaller one.',
  },
  {
    reason: 'InvalidIndex',
    stalls: true,
    doc:
      "What came back is not an index Helm's own loader (`repo.LoadIndexFile`) would read (or, for OCI, a usable " +
      'manifest): empty, an HTML page (often a wrong URL or a login page), not UTF-8 or YAML, no `apiVersion`, an ' +
      'alias bomb, or a field of the wrong type or unknown to Helm: an unquoted `appVersion: 1.4` or `version: ' +
      '1.10` (a YAML number), `deprecated: "true"`, a `created` that is not RFC 3339. Helm, Flux and Argo CD refuse ' +
      'the same file. The message names the line and the field. The last good catalogue stays.',
    fix:
      'Check `spec.url` and `spec.type` point at the right kind of registry; fix the repository (quote the value ' +
      'the message names; `helm repo index` regenerates `index.yaml`).',
  },
  {
    reason: 'FetchFailed',
    stalls: false,
    doc:
      'Any other failure to fetch: DNS, connection refused or reset, another HTTP status (e.g. 500), a redirect ' +
      'loop or https→http redirect, credentials in the URL, a corrupt gzip body; for OCI, a token service that ' +
      'kept failing after 3 retries (the message starts with `token service <realm>`).',
    fix: 'Read the message; fix the URL or the server. Credentials never go in the URL: use `spec.secretRef`.',
  },
  {
    reason: 'SecretNotFound',
    stalls: true,
    doc:
      "A Secret named in `spec.secretRef` or `spec.tls.*SecretRef` does not exist in the operator's namespace, or " +
      'lacks the expected keys.',
    fix:
      "Create it in `packyard-system` (not in the profile's or your namespace) with the keys the message names. The " +
      'registry syncs as soon as the Secret appears.',
  },
  {
    reason: 'PackTooLarge',
    stalls: true,
    doc: 'A pack has so many versions that its Pack object exceeds what the apiserver stores; no Pack was written.',
    fix: 'Set `spec.filter.maxVersionsPerPack` (or narrow `spec.filter.include`).',
  },
  {
    reason: 'InvalidVerifyKeys',
    stalls: true,
    doc:
      '`spec.verify.secretRef` names a Secret without a usable key: for `cosign` no `*.pub` entry, or one that is ' +
      'not a PEM public key; for `helm` an entry that is not a PGP keyring. Nothing is verified and the last ' +
      'catalogue stays.',
    fix:
      'Put `cosign.pub` (from `cosign generate-key-pair`) or a keyring (`gpg --export KEYID > pubring.gpg`) in the ' +
      'Secret in `packyard-system`. The registry syncs as soon as the Secret changes.',
  },
  {
    reason: 'InvalidTrustedRoot',
    stalls: true,
    doc:
      '`spec.verify.trustedRootRef` (keyless cosign) cannot be used: the ConfigMap or Secret, or its key ' +
      '(default `trusted_root.json`), is missing, or the value is not a sigstore TrustedRoot JSON with at least ' +
      'one certificate authority. Nothing is verified and the last catalogue stays.',
    fix:
      'Put the TrustedRoot JSON (the file `cosign verify --trusted-root` reads) in the ConfigMap or Secret in ' +
      '`packyard-system` under the key the message names. The registry syncs as soon as it changes.',
  },
  {
    reason: 'Unsupported',
    stalls: true,
    doc: 'This operator build has no source for `spec.type` (e.g. `oci` before OCI support).',
    fix: 'Upgrade the operator, or use a Helm repository.',
  },
  RECONCILIATION_FAILED_DOC,
] as const satisfies readonly ReasonDoc[];

export type PackRegistryReason = (typeof PACKREGISTRY_REASONS)[number]['reason'];

/** Ready's reason after a good sync, and the reason of the event a changed catalogue records. */
export const SYNCED = 'Synced' satisfies PackRegistryReason;
