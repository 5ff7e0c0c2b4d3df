import { RECONCILIATION_FAILED_DOC, type ReasonDoc } from './reasons.js';

/**
 * Why a ClusterProfile is or is not Ready, as docs/troubleshooting.md lists them. The failures come
 * most fundamental first, and a resolution reports the first one present: fixing a registry can make
 * the pack and version problems below it go away, while values are independent of everything else
 * and so come last. Plain TS: the operator loads no zod for it.
 */
export const CLUSTERPROFILE_REASONS = [
  {
    reason: 'Resolved',
    stalls: undefined,
    doc:
      '`Ready=True`, `Resolved=True`: `status.resolved` holds the exact version, digest and URL of every pack (a ' +
      'manifest pack: the sha256 of its manifests); `status.updatesAvailable` lists newer matches a `Manual` ' +
      'profile holds back; `status.minimumResources` sums the resources the chosen Palette packs declare.',
    fix: 'Nothing.',
  },
  {
    reason: 'DefaultRegistryMissing',
    stalls: true,
    doc: 'Some packs name no `registry`, and no PackRegistry has `spec.default: true`.',
    fix: 'Mark one registry `default: true`, or set `registry` on those packs.',
  },
  {
    reason: 'DefaultRegistryAmbiguous',
    stalls: true,
    doc: 'Some packs name no `registry`, and several PackRegistries claim `default` (the message lists them).',
    fix: 'Leave `default: true` on exactly one registry.',
  },
  {
    reason: 'RegistryNotReady',
    stalls: false,
    retry: 'retried when the registry changes',
    doc: "A registry the profile uses does not exist or is not `Ready`; the message quotes the registry's own reason.",
    fix: "Fix the registry (table above) or the pack's `registry` name. The profile resolves once the registry syncs.",
  },
  {
    reason: 'PackNotFound',
    stalls: true,
    doc: "The registry's catalogue has no pack `chart` (defaults to `name`); the message offers close names.",
    fix: "Fix `chart`/`name`, or the registry's `spec.filter.include`/`exclude`, which may have dropped it.",
  },
  {
    reason: 'LayerMismatch',
    stalls: true,
    doc:
      "The profile places a pack in another layer than its Pack's own (`spec.layer`: a Palette pack's `layer`, a " +
      "chart's `packyard.io/layer` annotation): a Kubernetes pack as the CNI, a CNI pack as an add-on. A Pack of " +
      'layer `addon` (any chart without the annotation) fits every layer.',
    fix: "Set the pack's `layer` to its Pack's (`kubectl get pack REGISTRY.NAME -o jsonpath='{.spec.layer}'`), or choose the pack meant for that layer.",
  },
  {
    reason: 'NoMatchingVersion',
    stalls: true,
    doc:
      'No version of the pack matches `version`, or the expression is invalid; the message lists the versions that ' +
      'exist.',
    fix:
      'Widen the expression (`^1.2`, `1.27.x`, `latest`). Prereleases (listed with `prerelease: true`) match only ' +
      'when the expression names one, and only if the registry keeps them (it does unless `spec.filter.prereleases: ' +
      'false`; see also `maxVersionsPerPack`). A version published as `22.04` or `v1.2` is pinned by that exact ' +
      'text.',
  },
  {
    reason: 'VerificationFailed',
    stalls: true,
    doc:
      "Versions match `version`, but the profile's `spec.verification` refuses each of them: `Required` takes only " +
      'versions whose registry verified their signature (`verification.state: Verified` on the Pack), `IfPresent` ' +
      '(the default) refuses `Failed` ones (a signature that does not verify: another key, another digest, a ' +
      're-pushed tag, a tampered archive, an expired key). The lock is kept. The message names the newest matches, ' +
      'each with its state and reason, and says when the registry verifies nothing (`spec.verify` unset).',
    fix:
      "Sign the version (`cosign sign --key …`, `helm package --sign`) or give the registry the signer's key in " +
      '`spec.verify.secretRef`; `packyard verify PACK@VERSION -r …` explains one version. To accept unsigned ' +
      'versions, use `IfPresent`.',
  },
  {
    reason: 'IncompatibleKubeVersion',
    stalls: true,
    doc:
      "A chosen chart's `kubeVersion` does not admit the version of the profile's `k8s` pack (or is not a valid " +
      'range); the message names versions that would fit.',
    fix: "Pin the pack to a compatible version, or change the `k8s` pack's version.",
  },
  {
    reason: 'DependencyNotMet',
    stalls: true,
    doc:
      'A Palette pack dependency fails: a `required` pack is missing, a `notSupported` pack is present (within its ' +
      '`minVersion`/`maxVersion` when it has any), or a version is outside `minVersion`/`maxVersion` (`""` is ' +
      'unbounded, `1.29` means `1.29.0`).',
    fix: 'Add, remove or re-version the packs the message names.',
  },
  {
    // The newest match cannot be upgraded to from the locked version (its pack.json `upgrade`
    // constraint excludes it): the lock is kept, and the message names a version that can be.
    reason: 'UpgradeNotSupported',
    stalls: true,
    doc:
      'The newest match cannot be upgraded to from the locked version: its pack.json `upgrade` constraint lists the ' +
      'versions of the same pack it may be upgraded from, and the lock is not among them. The lock is kept ' +
      '(`status.resolved` unchanged). The message names a version the expression allows that can be upgraded to ' +
      'from the lock, if there is one. A `Manual` profile stays `Resolved` and lists the update in ' +
      '`status.updatesAvailable` with the same text in its `note`.',
    fix:
      'Pin the pack to the version the message names, let the lock move there, then widen the expression again. ' +
      'When no version can be reached from the lock, the pack has to be reinstalled: pin the new version ' +
      'deliberately after removing the pack from the profile (or the lock).',
  },
  {
    // The chosen version's archive cannot be read, so its values cannot be checked.
    reason: 'PackContentUnavailable',
    // A download can fail for a moment (the registry's outage, a dropped connection): not stalled.
    stalls: false,
    retry: 'retried with backoff, and when a registry the profile uses syncs',
    doc:
      'The archive of a chosen version (Helm `.tgz`, OCI chart layer, Palette pack archive) could not be read, so ' +
      'its values cannot be checked: the download failed, it does not match its digest, or it breaks a limit — ' +
      'larger than 128 MiB, inflating past 256 MiB (a decompression bomb), more than 20,000 entries, a values or ' +
      'schema file over 8 MiB — or holds a link, an absolute path or `..`. The message says which; the lock is kept. ' +
      'Retried with backoff (at most 15 s apart), and at once when a registry the profile uses syncs again.',
    fix: 'Fix the registry or republish the chart (see [values.md](values.md#content-what-is-downloaded-and-when)).',
  },
  {
    reason: 'InvalidManifests',
    stalls: true,
    doc:
      "A manifest pack's `manifests` are not Kubernetes objects: not valid YAML, a document that is not a map, or one " +
      'without `apiVersion`, `kind` or `metadata.name` (a `…List` needs no name). The message names the pack, the ' +
      'manifest and the line. A manifest with template actions (`{{ }}`) is not checked: Palette renders it with ' +
      "the pack's values first.",
    fix: 'Fix the manifest at the line the message names (`kubectl apply --dry-run=client -f` reads it the same way).',
  },
  {
    reason: 'InvalidValues',
    stalls: true,
    doc:
      '`values` is not a YAML map (or is too large), or a `valuesFrom` ConfigMap/Secret or key is missing. A Secret ' +
      'the operator may not read is reported as forbidden (403), with the ClusterRole to bind. Or the effective ' +
      "values ([values.md](values.md)) break the chart's `values.schema.json` (or a subchart's, under its key) or " +
      "the Palette pack's `schema.yaml`: the message gives the pack, the JSON path, the problem and the rule " +
      '(`values.schema.json of web: properties.replicaCount.minimum`, `schema.yaml: format ${number}`). Or ' +
      '`presets` names a preset the pack does not have, or two of one group.',
    fix:
      "Fix the YAML; create the ConfigMap/Secret in the **profile's** namespace with the key (`valuesKey`, default " +
      '`values.yaml`), or set `optional: true`. For Secrets, grant read access first ' +
      '([deploy.md](deploy.md#valuesfrom-secrets)). Fix the value at the path the message names ' +
      '(`packyard values CHART@VERSION -r … --schema` prints the schema). Then touch the profile.',
  },
  RECONCILIATION_FAILED_DOC,
] as const satisfies readonly ReasonDoc[];

export type ClusterProfileReason = (typeof CLUSTERPROFILE_REASONS)[number]['reason'];

/** The condition type, and Ready's reason, of a profile that resolved. */
export const RESOLVED = 'Resolved' satisfies ClusterProfileReason;

/** Ready's reason while a chosen version's archive cannot be read: retried, and woken by its registries' syncs. */
export const PACK_CONTENT_UNAVAILABLE = 'PackContentUnavailable' satisfies ClusterProfileReason;

/** The reason of the event a profile records when its lock changes (an event, not a condition). */
export const LOCK_CHANGED = 'LockChanged';
