import { z } from 'zod';
import { withRules } from './rules.js';
import {
  MAX_VERSION_EXPRESSION,
  VERSION_EXPRESSION,
  VERSION_EXPRESSION_MESSAGE,
  VERSION_EXPRESSION_SOURCE,
} from './version-expression.js';
import { verificationPolicy, versionVerification } from './verification.js';
import {
  conditions,
  dnsSubdomain,
  layer,
  objectMeta,
  observedGeneration,
  SEMVER_PATTERN,
  timestamp,
  type Layer,
} from './common.js';

import * as names from './names.js';

export {
  CLUSTERPROFILE_KIND,
  MAX_MANIFESTS,
  MAX_PACKS,
  MAX_VALUES_BYTES,
  UPDATE_REQUESTED_ANNOTATION,
} from './names.js';
const { CLUSTERPROFILE_KIND, MAX_MANIFESTS, MAX_PACKS, MAX_VALUES_BYTES, UPDATE_REQUESTED_ANNOTATION } = names;

/** A profile pack's `version`: the grammar of version-expression.ts, as an admission rule. */
export const versionExpression = withRules(
  z
    .string()
    .min(1)
    .max(MAX_VERSION_EXPRESSION)
    .describe(
      'An exact version as published (1.2.3, v1.2.3, 22.04, 1.2.3-rc.1), a range (^1.2, ~1.2.3, >=1.0 <2, ' +
        '>=1, <2, 1.2 - 1.4, alternatives joined by ||), a Palette-style train (1.27.x, 1.x, 1.27) or latest. ' +
        'A published version string equal to the expression is chosen first (as Helm does); otherwise the ' +
        'newest stable version that matches, and a prerelease only when the expression names one. Versions ' +
        'are read as Helm reads them: a v prefix, missing minor or patch and leading zeros are accepted. ' +
        'Grammar: latest, or sets joined by ||; a set is a hyphen range (P - P) or comparators separated by ' +
        'spaces or commas (AND); a comparator is an optional operator (<, <=, >, >=, =, ~, ~>, ^) and a version P: ' +
        'v? then 1 to 3 dot-separated numbers of 1 to 15 digits with an optional -prerelease and +build, or with ' +
        'x, X or * for any part (1.27.x). No spaces around the expression. Admission, packyard validate and the ' +
        'resolver use the same regular expression.',
    ),
  [
    {
      cel: `self.matches('${VERSION_EXPRESSION_SOURCE}')`,
      message: VERSION_EXPRESSION_MESSAGE,
      holds: (self) => VERSION_EXPRESSION.test(self),
    },
  ],
);

export const valuesReference = z.object({
  kind: z.enum(['ConfigMap', 'Secret']).describe('Kind of the object holding the values.'),
  name: dnsSubdomain.describe("Name of the object, in the profile's namespace."),
  valuesKey: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[-._a-zA-Z0-9]+$/)
    .default('values.yaml')
    .describe('Key of the data entry holding the values (default values.yaml).'),
  optional: z.boolean().default(false).describe('Resolve even when the object or key is missing.'),
});

/** A Kubernetes manifest carried in the profile itself, as Palette's manifest layers carry them. */
export const inlineManifest = z.object({
  name: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/)
    .describe('Name of the manifest; unique within the pack.'),
  content: z.string().min(1).max(MAX_VALUES_BYTES).describe('The manifest: one or more YAML documents.'),
});
export type InlineManifest = z.infer<typeof inlineManifest>;

/** Layers a cluster is versioned by: a registry pack with a version, never manifests. */
const VERSIONED_LAYERS: readonly Layer[] = ['kernel', 'os', 'k8s'];

export const profilePack = withRules(
  z.object({
    name: z
      .string()
      .min(1)
      .max(253)
      .regex(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/)
      .describe('Name of the pack in the profile; unique within it.'),
    layer: layer.describe('Layer of the stack: kernel, os, k8s, cni, csi or addon.'),
    registry: dnsSubdomain.optional().describe('PackRegistry to take the pack from; the default registry when unset.'),
    chart: z.string().min(1).max(253).optional().describe('Chart or pack name in the registry; defaults to name.'),
    // Optional here; the pack-level rules below require it for a registry pack and forbid it for a manifest pack.
    version: versionExpression.optional(),
    values: z.string().max(MAX_VALUES_BYTES).optional().describe('Values for the pack, as a YAML map.'),
    valuesFrom: z
      .array(valuesReference)
      .max(16)
      .optional()
      .describe('ConfigMap or Secret keys holding values, merged in order before values.'),
    presets: z
      .array(z.string().min(1).max(253))
      .max(16)
      .superRefine((presets, ctx) =>
        uniqueNames(
          presets.map((name) => ({ name })),
          ctx,
        ),
      )
      .meta({ 'x-kubernetes-list-type': 'set' })
      .optional()
      .describe(
        "Palette presets to apply (names from the pack's presets.yaml), at most one per preset group; applied to the pack's defaults before valuesFrom and values.",
      ),
    manifests: z
      .array(inlineManifest)
      .min(1)
      .max(MAX_MANIFESTS)
      .superRefine(uniqueNames)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .optional()
      .describe(
        'Manifests carried in the profile instead of a registry chart (a manifest pack, like a Palette manifest layer); resolved to the sha256 of their content. Not for layers kernel, os and k8s, which are always registry packs.',
      ),
  }),
  [
    {
      cel: 'has(self.manifests) || has(self.version)',
      message: 'a pack needs a version (a registry chart) or manifests',
      fieldPath: '.version',
      holds: (p) => p.manifests !== undefined || p.version !== undefined,
    },
    {
      cel: '!has(self.manifests) || (!has(self.registry) && !has(self.chart) && !has(self.version))',
      message: 'a manifest pack takes no registry, chart or version: it is resolved from its manifests alone',
      fieldPath: '.manifests',
      holds: (p) =>
        p.manifests === undefined || (p.registry === undefined && p.chart === undefined && p.version === undefined),
    },
    {
      // Palette's OS and Kubernetes layers are always packs; without a k8s version no kubeVersion is checked.
      cel: `!has(self.manifests) || !(self.layer in [${VERSIONED_LAYERS.map((l) => `'${l}'`).join(', ')}])`,
      message: 'a manifest pack cannot be of layer kernel, os or k8s: those layers are versioned registry packs',
      fieldPath: '.manifests',
      holds: (p) => p.manifests === undefined || !VERSIONED_LAYERS.includes(p.layer),
    },
    {
      cel: '!has(self.manifests) || !has(self.presets)',
      message: 'a manifest pack has no presets: presets belong to Palette packs',
      fieldPath: '.presets',
      holds: (p) => p.manifests === undefined || p.presets === undefined,
    },
  ],
);
export type ProfilePack = z.infer<typeof profilePack>;

/** The apiserver enforces unique names through the list-map key; zod needs it spelled out. */
function uniqueNames(items: { name: string }[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) ctx.addIssue({ code: 'custom', message: `Duplicate value: ${item.name}`, path: [i] });
    seen.add(item.name);
  });
}

const countLayer = (packs: ProfilePack[], l: Layer) => packs.filter((p) => p.layer === l).length;
const infraOrFull = "self.type == 'add-on'";

export const clusterProfileSpec = withRules(
  z
    .object({
      type: z
        .enum(['infra', 'add-on', 'full'])
        .describe('infra: kernel, OS, Kubernetes, CNI and CSI; add-on: add-ons only; full: both.'),
      version: z.string().max(128).regex(SEMVER_PATTERN).default('1.0.0').describe("The profile's own SemVer version."),
      description: z.string().max(1024).optional().describe('What the profile is for.'),
      updatePolicy: z
        .enum(['Auto', 'Manual'])
        .default('Auto')
        .describe('Auto follows the newest match; Manual keeps the locked versions and lists updates.'),
      verification: verificationPolicy.optional(),
      packs: z
        .array(profilePack)
        .min(1)
        .max(MAX_PACKS)
        .superRefine(uniqueNames)
        .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
        .describe('The stack, in order: kernel (optional), os, k8s, cni, csi, then add-ons.'),
    })
    .describe('What a cluster is made of.'),
  [
    {
      cel: "self.type != 'add-on' || self.packs.all(p, p.layer == 'addon')",
      message: 'add-on profiles may only hold packs of layer addon',
      fieldPath: '.packs',
      holds: (s) => s.type !== 'add-on' || s.packs.every((p) => p.layer === 'addon'),
    },
    {
      // Palette's infrastructure profiles hold the core layers only; with add-ons a profile is full.
      cel: "self.type != 'infra' || self.packs.all(p, p.layer != 'addon')",
      message: 'infra profiles may not hold packs of layer addon: a profile with both is full',
      fieldPath: '.packs',
      holds: (s) => s.type !== 'infra' || s.packs.every((p) => p.layer !== 'addon'),
    },
    ...(['os', 'k8s', 'cni'] as const).map((l) => ({
      cel: `${infraOrFull} || self.packs.filter(p, p.layer == '${l}').size() == 1`,
      message: `infra and full profiles need exactly one pack of layer ${l}`,
      fieldPath: '.packs',
      holds: (s: ClusterProfileSpecShape) => s.type === 'add-on' || countLayer(s.packs, l) === 1,
    })),
    ...(['kernel', 'csi'] as const).map((l) => ({
      cel: `${infraOrFull} || self.packs.filter(p, p.layer == '${l}').size() <= 1`,
      message: `infra and full profiles may have at most one pack of layer ${l}`,
      fieldPath: '.packs',
      holds: (s: ClusterProfileSpecShape) => s.type === 'add-on' || countLayer(s.packs, l) <= 1,
    })),
    {
      // Guarded by size so a short list fails the count rules above, not with an index error here.
      // A kernel pack, when there is one, comes first and shifts the others by one.
      cel:
        `${infraOrFull} || self.packs.size() < 3 || (self.packs[0].layer == 'kernel' ? ` +
        `(${layerRun(1)}) : (!self.packs.exists(p, p.layer == 'kernel') && ${layerRun(0)}))`,
      message: 'packs must be in the order kernel (optional), os, k8s, cni, then csi, then add-ons',
      fieldPath: '.packs',
      holds: (s) => s.type === 'add-on' || s.packs.length < 3 || inLayerOrder(s.packs),
    },
  ],
);
type ClusterProfileSpecShape = { type: 'infra' | 'add-on' | 'full'; packs: ProfilePack[] };
export type ClusterProfileSpec = z.infer<typeof clusterProfileSpec>;

/** os, k8s, cni and (when the profile has one) csi at `from`, `from+1`, …, in CEL. */
function layerRun(from: number): string {
  const at = (i: number, l: Layer) => `self.packs.size() > ${from + i} && self.packs[${from + i}].layer == '${l}'`;
  return `${at(0, 'os')} && ${at(1, 'k8s')} && ${at(2, 'cni')} && (!self.packs.exists(p, p.layer == 'csi') || (${at(3, 'csi')}))`;
}

/** The CEL order rule, literally, so both report the same violations. */
function inLayerOrder(packs: ProfilePack[]): boolean {
  const at = (i: number) => packs[i]?.layer;
  const hasCsi = packs.some((p) => p.layer === 'csi');
  const run = (from: number) =>
    at(from) === 'os' && at(from + 1) === 'k8s' && at(from + 2) === 'cni' && (!hasCsi || at(from + 3) === 'csi');
  return at(0) === 'kernel' ? run(1) : !packs.some((p) => p.layer === 'kernel') && run(0);
}

export const resolvedPack = z.object({
  name: z.string().describe('Pack name in the profile.'),
  layer: layer.describe('Layer of the stack.'),
  registry: z.string().optional().describe('PackRegistry the pack resolved from; unset for a manifest pack.'),
  chart: z.string().optional().describe('Chart or pack name in the registry; unset for a manifest pack.'),
  version: z.string().optional().describe('Exact version chosen; unset for a manifest pack.'),
  appVersion: z.string().optional().describe('Version of the packaged application.'),
  digest: z
    .string()
    .optional()
    .describe(
      'Content digest of the chosen version. For a manifest pack, sha256:<hex> of its manifests in canonical form: the UTF-8 JSON array, in pack order, of {"content": …, "name": …} objects (keys sorted, no whitespace, strings escaped as JSON.stringify does).',
    ),
  url: z.string().optional().describe('Where the chosen version is downloaded from.'),
  deprecated: z
    .boolean()
    .optional()
    .describe('The publisher marked the chosen version deprecated (see the Pack for why).'),
  verification: versionVerification
    .pick({ state: true, signer: true, method: true })
    .optional()
    .describe('How the chosen version was verified when it was locked (unset when its registry does not verify).'),
  valuesDigest: z
    .string()
    .optional()
    .describe(
      "sha256 of the pack's effective values (defaults, presets, valuesFrom, values merged) as canonical JSON: changes when the values a pack is installed with change, even if its version does not.",
    ),
});
export type ResolvedPack = z.infer<typeof resolvedPack>;

export const availableUpdate = z.object({
  name: z.string().describe('Pack name in the profile.'),
  current: z.string().describe('Locked version.'),
  available: z.string().describe('Newest version the expression allows.'),
  note: z
    .string()
    .optional()
    .describe(
      'Why the update cannot be taken as it is, e.g. UpgradeNotSupported: the new version cannot be upgraded to from the locked one.',
    ),
});

/**
 * Palette's units for constraints.resources minLimit, written as Kubernetes quantities so the unit
 * travels with the number: cpu in millicores (m), memory in MiB (Mi), disk in GB (G).
 */
export const minimumResources = z
  .object({
    cpu: z
      .string()
      .optional()
      .describe('Sum of the cpu minLimit of the resolved versions, in millicores (e.g. 1500m).'),
    memory: z
      .string()
      .optional()
      .describe('Sum of the memory minLimit of the resolved versions, in MiB (e.g. 1636Mi).'),
    disk: z.string().optional().describe('Sum of the diskSize minLimit of the resolved versions, in GB (e.g. 20G).'),
  })
  .describe(
    "Minimum resources the resolved versions declare (Palette constraints.resources), summed over the profile's packs.",
  );
export type MinimumResources = z.infer<typeof minimumResources>;

export const clusterProfileStatus = z
  .object({
    observedGeneration: observedGeneration.optional(),
    conditions: conditions.optional(),
    resolved: z.array(resolvedPack).optional().describe('The exact lock: one entry per pack, in profile order.'),
    revision: z.string().optional().describe('sha256 of the resolved lock.'),
    updatesAvailable: z.array(availableUpdate).optional().describe('Newer matches held back by updatePolicy Manual.'),
    minimumResources: minimumResources.optional(),
    lastResolvedTime: timestamp.optional().describe('When the lock last changed.'),
    lastHandledUpdateRequest: z
      .string()
      .optional()
      .describe(`The value of the ${UPDATE_REQUESTED_ANNOTATION} annotation last handled.`),
  })
  .describe("Observed state: the profile's resolution.");
export type ClusterProfileStatus = z.infer<typeof clusterProfileStatus>;

export const clusterProfile = z.object({
  apiVersion: z.literal('packyard.io/v1alpha1'),
  kind: z.literal(CLUSTERPROFILE_KIND),
  metadata: objectMeta,
  spec: clusterProfileSpec,
  status: clusterProfileStatus.optional(),
});
export type ClusterProfile = z.infer<typeof clusterProfile>;
