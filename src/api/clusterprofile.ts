import { z } from 'zod';
import { withRules } from './rules.js';
import { versionExpression } from './version-expression.js';
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

export const CLUSTERPROFILE_KIND = 'ClusterProfile';
export const UPDATE_REQUESTED_ANNOTATION = 'packyard.io/update-requested-at';
export const MAX_PACKS = 64;
export const MAX_VALUES_BYTES = 256 * 1024;

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

export const profilePack = z.object({
  name: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/)
    .describe('Name of the pack in the profile; unique within it.'),
  layer: layer.describe('Layer of the stack: os, k8s, cni, csi or addon.'),
  registry: dnsSubdomain.optional().describe('PackRegistry to take the pack from; the default registry when unset.'),
  chart: z.string().min(1).max(253).optional().describe('Chart or pack name in the registry; defaults to name.'),
  version: versionExpression,
  values: z.string().max(MAX_VALUES_BYTES).optional().describe('Values for the pack, as a YAML map.'),
  valuesFrom: z
    .array(valuesReference)
    .max(16)
    .optional()
    .describe('ConfigMap or Secret keys holding values, merged in order before values.'),
});
export type ProfilePack = z.infer<typeof profilePack>;

const countLayer = (packs: ProfilePack[], l: Layer) => packs.filter((p) => p.layer === l).length;
const infraOrFull = "self.type == 'add-on'";

export const clusterProfileSpec = withRules(
  z
    .object({
      type: z
        .enum(['infra', 'add-on', 'full'])
        .describe('infra: OS, Kubernetes, CNI and CSI; add-on: add-ons only; full: both.'),
      version: z.string().max(128).regex(SEMVER_PATTERN).default('1.0.0').describe("The profile's own SemVer version."),
      description: z.string().max(1024).optional().describe('What the profile is for.'),
      updatePolicy: z
        .enum(['Auto', 'Manual'])
        .default('Auto')
        .describe('Auto follows the newest match; Manual keeps the locked versions and lists updates.'),
      packs: z
        .array(profilePack)
        .min(1)
        .max(MAX_PACKS)
        // The apiserver enforces this through the list-map key below; zod needs it spelled out.
        .superRefine((packs, ctx) => {
          const seen = new Set<string>();
          packs.forEach((p, i) => {
            if (seen.has(p.name)) ctx.addIssue({ code: 'custom', message: `Duplicate value: ${p.name}`, path: [i] });
            seen.add(p.name);
          });
        })
        .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
        .describe('The stack, in order: os, k8s, cni, csi, then add-ons.'),
    })
    .describe('What a cluster is made of.'),
  [
    {
      cel: "self.type != 'add-on' || self.packs.all(p, p.layer == 'addon')",
      message: 'add-on profiles may only hold packs of layer addon',
      fieldPath: '.packs',
      holds: (s) => s.type !== 'add-on' || s.packs.every((p) => p.layer === 'addon'),
    },
    ...(['os', 'k8s', 'cni'] as const).map((l) => ({
      cel: `${infraOrFull} || self.packs.filter(p, p.layer == '${l}').size() == 1`,
      message: `infra and full profiles need exactly one pack of layer ${l}`,
      fieldPath: '.packs',
      holds: (s: ClusterProfileSpecShape) => s.type === 'add-on' || countLayer(s.packs, l) === 1,
    })),
    {
      cel: `${infraOrFull} || self.packs.filter(p, p.layer == 'csi').size() <= 1`,
      message: 'infra and full profiles may have at most one pack of layer csi',
      fieldPath: '.packs',
      holds: (s) => s.type === 'add-on' || countLayer(s.packs, 'csi') <= 1,
    },
    {
      // Guarded by size so a short list fails the count rules above, not with an index error here.
      cel:
        `${infraOrFull} || self.packs.size() < 3 || (self.packs[0].layer == 'os' && self.packs[1].layer == 'k8s' ` +
        `&& self.packs[2].layer == 'cni' && (!self.packs.exists(p, p.layer == 'csi') ` +
        `|| (self.packs.size() > 3 && self.packs[3].layer == 'csi')))`,
      message: 'packs must be in the order os, k8s, cni, then csi, then add-ons',
      fieldPath: '.packs',
      holds: (s) => s.type === 'add-on' || s.packs.length < 3 || inLayerOrder(s.packs),
    },
  ],
);
type ClusterProfileSpecShape = { type: 'infra' | 'add-on' | 'full'; packs: ProfilePack[] };
export type ClusterProfileSpec = z.infer<typeof clusterProfileSpec>;

/** The CEL order rule, literally, so both report the same violations. */
function inLayerOrder(packs: ProfilePack[]): boolean {
  const at = (i: number) => packs[i]?.layer;
  const hasCsi = packs.some((p) => p.layer === 'csi');
  return at(0) === 'os' && at(1) === 'k8s' && at(2) === 'cni' && (!hasCsi || at(3) === 'csi');
}

export const resolvedPack = z.object({
  name: z.string().describe('Pack name in the profile.'),
  layer: layer.describe('Layer of the stack.'),
  registry: z.string().describe('PackRegistry the pack resolved from.'),
  chart: z.string().describe('Chart or pack name in the registry.'),
  version: z.string().describe('Exact version chosen.'),
  appVersion: z.string().optional().describe('Version of the packaged application.'),
  digest: z.string().optional().describe('Content digest of the chosen version.'),
  url: z.string().optional().describe('Where the chosen version is downloaded from.'),
});
export type ResolvedPack = z.infer<typeof resolvedPack>;

export const availableUpdate = z.object({
  name: z.string().describe('Pack name in the profile.'),
  current: z.string().describe('Locked version.'),
  available: z.string().describe('Newest version the expression allows.'),
});

export const clusterProfileStatus = z
  .object({
    observedGeneration: observedGeneration.optional(),
    conditions: conditions.optional(),
    resolved: z.array(resolvedPack).optional().describe('The exact lock: one entry per pack, in profile order.'),
    revision: z.string().optional().describe('sha256 of the resolved lock.'),
    updatesAvailable: z.array(availableUpdate).optional().describe('Newer matches held back by updatePolicy Manual.'),
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
