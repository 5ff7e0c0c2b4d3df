// Objects the apiserver must reject at admission, each with the field its message must name.
// Shared by the offline (zod) and the real-apiserver tests so both enforce the same rules.

type Obj = Record<string, unknown>;

export interface BadObject {
  title: string;
  object: Obj;
  /** The field path the error names, in the apiserver's notation. */
  field: string;
}

const registry = (spec: Obj): Obj => ({
  apiVersion: 'packyard.io/v1alpha1',
  kind: 'PackRegistry',
  metadata: { name: 'bad-registry' },
  spec: { type: 'helm', url: 'https://charts.example.com', ...spec },
});

const keylessVerify = {
  provider: 'cosign',
  matchOIDCIdentity: [
    { issuer: '^https://token\\.actions\\.githubusercontent\\.com$', subject: '^https://github\\.com/acme/' },
  ],
  trustedRootRef: { kind: 'ConfigMap', name: 'sigstore-root' },
};
/** An oci registry verified keyless, with `verify` fields replaced (undefined drops one). */
const keyless = (verify: Obj): Obj =>
  registry({
    type: 'oci',
    url: 'oci://ghcr.io/charts',
    verify: Object.fromEntries(Object.entries({ ...keylessVerify, ...verify }).filter(([, v]) => v !== undefined)),
  });

const infraPacks = [
  { name: 'ubuntu', layer: 'os', version: '22.04.x' },
  { name: 'kubernetes', layer: 'k8s', version: '1.30.x' },
  { name: 'cilium', layer: 'cni', version: '^1.15' },
];
const profile = (spec: Obj): Obj => ({
  apiVersion: 'packyard.io/v1alpha1',
  kind: 'ClusterProfile',
  metadata: { name: 'bad-profile', namespace: 'default' },
  spec: { type: 'infra', version: '1.0.0', packs: infraPacks, ...spec },
});
const addon = (name: string, extra: Obj = {}): Obj => ({ name, layer: 'addon', version: '1.x', ...extra });
const manifest = (name: string): Obj => ({
  name,
  content: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n`,
});

/** Objects both the apiserver and offline validation must accept: the odd corners of the rules. */
export const GOOD_OBJECTS: { title: string; object: Obj }[] = [
  {
    title: 'full profile with a kernel pack first',
    object: profile({
      type: 'full',
      packs: [{ name: 'kernel', layer: 'kernel', version: '6.8.x' }, ...infraPacks, addon('podinfo')],
    }),
  },
  {
    title: 'infra profile with kernel, os, k8s, cni and csi',
    object: profile({
      packs: [
        { name: 'kernel', layer: 'kernel', version: '6.8.x' },
        ...infraPacks,
        { name: 'ebs', layer: 'csi', version: '1.x' },
      ],
    }),
  },
  { title: 'registry named with 63 characters', object: { ...registry({}), metadata: { name: 'r'.repeat(63) } } },
  {
    title: 'registry at the bounds of interval and timeout',
    object: registry({ interval: '8760h', timeout: '1s' }),
  },
  {
    title: 'registry with the shortest interval and longest timeout',
    object: registry({ interval: '60s', timeout: '59m60s' }),
  },
  {
    title: 'helm registry URL on an IPv4 address at port 65535, with a query and a fragment',
    object: registry({ url: 'http://127.0.0.1:65535/charts/?channel=stable#top' }),
  },
  { title: 'oci registry URL on an IPv6 address', object: registry({ type: 'oci', url: 'oci://[::1]:5000/charts' }) },
  {
    title: 'helm registry URL with an international host name in its xn-- form and a percent-encoded path',
    object: registry({ url: 'https://xn--bcher-kva.example/%C3%BCber/charts' }),
  },
  { title: 'helm registry URL with an @ in its path', object: registry({ url: 'https://charts.example.com/@acme' }) },
  { title: 'oci registry verified keyless', object: keyless({}) },
  {
    title: 'oci registry verified with keys and keyless, the root in a Secret under its own key',
    object: keyless({
      secretRef: { name: 'cosign-keys' },
      trustedRootRef: { kind: 'Secret', name: 'sigstore-root', key: 'root.json' },
    }),
  },
  {
    title: 'oci registry verified with cosign',
    object: registry({
      type: 'oci',
      url: 'oci://ghcr.io/charts',
      verify: { provider: 'cosign', secretRef: { name: 'cosign-keys' } },
    }),
  },
  { title: 'profile that requires verified versions', object: profile({ verification: 'Required' }) },
  {
    title: 'infra profile with a manifest pack as its cni and its csi (a custom CNI or CSI)',
    object: profile({
      packs: [
        ...infraPacks.slice(0, 2),
        { name: 'custom-cni', layer: 'cni', manifests: [manifest('cni')] },
        { name: 'custom-csi', layer: 'csi', manifests: [manifest('csi')] },
      ],
    }),
  },
  {
    title: 'add-on profile with a manifest pack beside a registry pack',
    object: profile({
      type: 'add-on',
      packs: [
        addon('podinfo'),
        {
          name: 'hello',
          layer: 'addon',
          values: 'pack:\n  namespace: hello\n',
          manifests: [manifest('svc'), manifest('deploy')],
        },
      ],
    }),
  },
];

export const BAD_OBJECTS: BadObject[] = [
  { title: 'registry without a type', object: registry({ type: undefined }), field: 'spec.type' },
  { title: 'registry of an unknown type', object: registry({ type: 'git' }), field: 'spec.type' },
  {
    title: 'oci registry with an https URL',
    object: registry({ type: 'oci', url: 'https://ghcr.io' }),
    field: 'spec.url',
  },
  { title: 'helm registry with an oci URL', object: registry({ url: 'oci://ghcr.io/charts' }), field: 'spec.url' },
  { title: 'registry URL with another scheme', object: registry({ url: 'ftp://example.com' }), field: 'spec.url' },
  {
    title: 'registry URL with a port above 65535',
    object: registry({ url: 'https://charts.example.com:99999' }),
    field: 'spec.url',
  },
  {
    title: 'registry URL with port 0',
    object: registry({ url: 'https://charts.example.com:0/charts' }),
    field: 'spec.url',
  },
  {
    title: 'oci registry URL wrapped around an https URL (a host named https)',
    object: registry({ type: 'oci', url: 'oci://https://ghcr.io/acme' }),
    field: 'spec.url',
  },
  { title: 'registry URL without a host', object: registry({ url: 'https:///charts' }), field: 'spec.url' },
  {
    title: 'registry URL ending in a no-break space (whitespace to JavaScript, not to RE2)',
    object: registry({ url: 'https://charts.example.com\u00a0' }),
    field: 'spec.url',
  },
  {
    title: 'registry URL with a space in its path',
    object: registry({ url: 'https://charts.example.com/my charts' }),
    field: 'spec.url',
  },
  { title: 'interval that is not a duration', object: registry({ interval: '1 day' }), field: 'spec.interval' },
  { title: 'timeout without a unit', object: registry({ timeout: '10' }), field: 'spec.timeout' },
  {
    title: 'interval of zero, which would never sync again',
    object: registry({ interval: '0s' }),
    field: 'spec.interval',
  },
  { title: 'interval of 100ms', object: registry({ interval: '100ms' }), field: 'spec.interval' },
  { title: 'interval of over a year', object: registry({ interval: '8760h1s' }), field: 'spec.interval' },
  {
    title: 'interval past the last Date (and past Go durations)',
    object: registry({ interval: '3000000000h' }),
    field: 'spec.interval',
  },
  { title: 'timeout of zero', object: registry({ timeout: '0s' }), field: 'spec.timeout' },
  {
    title: 'timeout past what a timer holds (24.8 days)',
    object: registry({ timeout: '600h' }),
    field: 'spec.timeout',
  },
  {
    title: 'helm registry verified with cosign',
    object: registry({ verify: { provider: 'cosign', secretRef: { name: 'keys' } } }),
    field: 'spec.verify.provider',
  },
  {
    title: 'oci registry verified with helm provenance',
    object: registry({
      type: 'oci',
      url: 'oci://ghcr.io/charts',
      verify: { provider: 'helm', secretRef: { name: 'keys' } },
    }),
    field: 'spec.verify.provider',
  },
  { title: 'verify without keys', object: registry({ verify: { provider: 'helm' } }), field: 'spec.verify.secretRef' },
  {
    title: 'keyless identities without a trusted root',
    object: keyless({ trustedRootRef: undefined }),
    field: 'spec.verify.trustedRootRef',
  },
  {
    title: 'a trusted root without keyless identities',
    object: keyless({ matchOIDCIdentity: undefined, secretRef: { name: 'keys' } }),
    field: 'spec.verify.trustedRootRef',
  },
  {
    title: 'keyless identities for helm provenance',
    object: registry({ verify: { ...keylessVerify, provider: 'helm', secretRef: { name: 'keys' } } }),
    field: 'spec.verify.matchOIDCIdentity',
  },
  {
    title: 'an empty list of keyless identities',
    object: keyless({ matchOIDCIdentity: [] }),
    field: 'spec.verify.matchOIDCIdentity',
  },
  {
    title: 'a keyless subject that is not a regular expression',
    object: keyless({ matchOIDCIdentity: [{ issuer: '^https://issuer\\.example$', subject: '^(alice@example' }] }),
    field: 'spec.verify.matchOIDCIdentity[0]',
  },
  {
    title: 'a keyless issuer that is not a regular expression',
    object: keyless({ matchOIDCIdentity: [{ issuer: '[https', subject: '.*' }] }),
    field: 'spec.verify.matchOIDCIdentity[0]',
  },
  {
    title: 'a trusted root in a Deployment',
    object: keyless({ trustedRootRef: { kind: 'Deployment', name: 'sigstore-root' } }),
    field: 'spec.verify.trustedRootRef.kind',
  },
  {
    title: 'profile verification of an unknown policy',
    object: profile({ verification: 'Always' }),
    field: 'spec.verification',
  },
  {
    title: 'secretRef with an invalid name',
    object: registry({ secretRef: { name: 'Bad_Name' } }),
    field: 'spec.secretRef.name',
  },
  {
    title: 'registry URL with a user and password',
    object: registry({ url: 'https://user:s3cret@charts.example.com' }),
    field: 'spec.url',
  },
  {
    title: 'oci registry URL with a token as user',
    object: registry({ type: 'oci', url: 'oci://ghp_token@ghcr.io/acme' }),
    field: 'spec.url',
  },
  {
    title: 'registry name longer than a label value (63), which its Packs carry',
    object: { ...registry({}), metadata: { name: 'r'.repeat(64) } },
    field: 'metadata.name',
  },
  { title: 'oci settings on a helm registry', object: registry({ oci: { content: 'helm' } }), field: 'spec.oci' },
  {
    title: 'oci content of an unknown kind',
    object: registry({ type: 'oci', url: 'oci://ghcr.io', oci: { content: 'zip' } }),
    field: 'spec.oci.content',
  },
  {
    title: 'oci repository with upper case',
    object: registry({ type: 'oci', url: 'oci://ghcr.io', oci: { repositories: ['Charts/Cilium'] } }),
    field: 'spec.oci.repositories[0]',
  },
  {
    title: 'maxVersionsPerPack of zero',
    object: registry({ filter: { maxVersionsPerPack: 0 } }),
    field: 'spec.filter.maxVersionsPerPack',
  },
  { title: 'negative maxIndexSize', object: registry({ maxIndexSize: -1 }), field: 'spec.maxIndexSize' },
  { title: 'profile of an unknown type', object: profile({ type: 'partial' }), field: 'spec.type' },
  { title: 'profile version that is not semver', object: profile({ version: '1.0' }), field: 'spec.version' },
  { title: 'profile without packs', object: profile({ packs: [] }), field: 'spec.packs' },
  {
    title: 'two packs with the same name',
    object: profile({ type: 'add-on', packs: [addon('podinfo'), addon('podinfo')] }),
    field: 'spec.packs[1]',
  },
  {
    title: 'add-on profile holding an os pack',
    object: profile({ type: 'add-on', packs: [infraPacks[0]] }),
    field: 'spec.packs',
  },
  { title: 'infra profile without a cni', object: profile({ packs: infraPacks.slice(0, 2) }), field: 'spec.packs' },
  {
    title: 'infra profile with two os packs',
    object: profile({ packs: [infraPacks[0], { ...infraPacks[0], name: 'rhel' }, ...infraPacks.slice(1)] }),
    field: 'spec.packs',
  },
  {
    title: 'infra profile out of order',
    object: profile({ packs: [infraPacks[1], infraPacks[0], infraPacks[2]] }),
    field: 'spec.packs',
  },
  {
    title: 'full profile with two csi packs',
    object: profile({
      type: 'full',
      packs: [
        ...infraPacks,
        { name: 'ebs', layer: 'csi', version: '1.x' },
        { name: 'efs', layer: 'csi', version: '1.x' },
      ],
    }),
    field: 'spec.packs',
  },
  {
    title: 'full profile with csi after an add-on',
    object: profile({
      type: 'full',
      packs: [...infraPacks, addon('podinfo'), { name: 'ebs', layer: 'csi', version: '1.x' }],
    }),
    field: 'spec.packs',
  },
  {
    title: 'pack with an empty version',
    object: profile({ type: 'add-on', packs: [addon('podinfo', { version: '' })] }),
    field: 'spec.packs[0].version',
  },
  {
    title: 'pack with a blank version',
    object: profile({ type: 'add-on', packs: [addon('podinfo', { version: '   ' })] }),
    field: 'spec.packs[0].version',
  },
  {
    title: 'pack of an unknown layer',
    object: profile({ type: 'add-on', packs: [addon('podinfo', { layer: 'storage' })] }),
    field: 'spec.packs[0].layer',
  },
  {
    title: 'pack name with spaces',
    object: profile({ type: 'add-on', packs: [addon('pod info')] }),
    field: 'spec.packs[0].name',
  },
  {
    title: 'a preset named twice',
    object: profile({ type: 'add-on', packs: [addon('podinfo', { presets: ['small', 'small'] })] }),
    field: 'spec.packs[0].presets[1]',
  },
  { title: 'unknown update policy', object: profile({ updatePolicy: 'Sometimes' }), field: 'spec.updatePolicy' },
  {
    title: 'valuesFrom of an unsupported kind',
    object: profile({ type: 'add-on', packs: [addon('podinfo', { valuesFrom: [{ kind: 'Pod', name: 'x' }] })] }),
    field: 'spec.packs[0].valuesFrom[0].kind',
  },
  {
    title: 'infra profile with two kernel packs',
    object: profile({
      packs: [
        { name: 'k1', layer: 'kernel', version: '6.x' },
        { name: 'k2', layer: 'kernel', version: '6.x' },
        ...infraPacks,
      ],
    }),
    field: 'spec.packs',
  },
  {
    title: 'infra profile with the kernel after os',
    object: profile({
      packs: [infraPacks[0], { name: 'kernel', layer: 'kernel', version: '6.x' }, ...infraPacks.slice(1)],
    }),
    field: 'spec.packs',
  },
  {
    title: 'infra profile holding an add-on',
    object: profile({ packs: [...infraPacks, addon('podinfo')] }),
    field: 'spec.packs',
  },
  {
    title: 'infra profile holding an add-on manifest pack',
    object: profile({ packs: [...infraPacks, { name: 'hello', layer: 'addon', manifests: [manifest('svc')] }] }),
    field: 'spec.packs',
  },
  {
    title: 'add-on profile holding a kernel pack',
    object: profile({ type: 'add-on', packs: [{ name: 'k', layer: 'kernel', version: '6.x' }] }),
    field: 'spec.packs',
  },
  {
    title: 'pack with neither a version nor manifests',
    object: profile({ type: 'add-on', packs: [{ name: 'podinfo', layer: 'addon' }] }),
    field: 'spec.packs[0].version',
  },
  {
    title: 'manifest pack that also names a version',
    object: profile({ type: 'add-on', packs: [addon('hello', { manifests: [manifest('svc')] })] }),
    field: 'spec.packs[0].manifests',
  },
  {
    title: 'manifest pack that also names a registry',
    object: profile({
      type: 'add-on',
      packs: [{ name: 'hello', layer: 'addon', registry: 'charts', manifests: [manifest('svc')] }],
    }),
    field: 'spec.packs[0].manifests',
  },
  {
    title: 'manifest pack with an empty list of manifests',
    object: profile({ type: 'add-on', packs: [{ name: 'hello', layer: 'addon', manifests: [] }] }),
    field: 'spec.packs[0].manifests',
  },
  {
    title: 'manifest pack with two manifests of one name',
    object: profile({
      type: 'add-on',
      packs: [{ name: 'hello', layer: 'addon', manifests: [manifest('svc'), manifest('svc')] }],
    }),
    field: 'spec.packs[0].manifests[1]',
  },
  {
    title: 'manifest pack as the k8s layer',
    object: profile({
      packs: [infraPacks[0], { name: 'kubernetes', layer: 'k8s', manifests: [manifest('kubeadm')] }, infraPacks[2]],
    }),
    field: 'spec.packs[1].manifests',
  },
  {
    title: 'manifest pack as the os layer',
    object: profile({ packs: [{ name: 'ubuntu', layer: 'os', manifests: [manifest('os')] }, ...infraPacks.slice(1)] }),
    field: 'spec.packs[0].manifests',
  },
  {
    title: 'manifest pack as the kernel layer',
    object: profile({ packs: [{ name: 'kernel', layer: 'kernel', manifests: [manifest('kernel')] }, ...infraPacks] }),
    field: 'spec.packs[0].manifests',
  },
  {
    title: 'manifest with empty content',
    object: profile({
      type: 'add-on',
      packs: [{ name: 'hello', layer: 'addon', manifests: [{ name: 'svc', content: '' }] }],
    }),
    field: 'spec.packs[0].manifests[0].content',
  },
  {
    title: 'values larger than 256 KiB',
    object: profile({ type: 'add-on', packs: [addon('podinfo', { values: `a: "${'x'.repeat(262_200)}"` })] }),
    field: 'spec.packs[0].values',
  },
];
