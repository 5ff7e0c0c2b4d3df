import { z } from 'zod';
import { API_VERSION, CATEGORY, GROUP, VERSION } from './common.js';
import { toStructuralSchema } from './structural-schema.js';
import { CLUSTERPROFILE_KIND, clusterProfileSpec, clusterProfileStatus } from './clusterprofile.js';
import { PACK_KIND, packSpec } from './pack.js';
import { MAX_REGISTRY_NAME, PACKREGISTRY_KIND, packRegistrySpec, packRegistryStatus } from './packregistry.js';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date' | 'boolean' | 'number';
  jsonPath: string;
  description?: string;
  priority?: number;
}

interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  scope: 'Cluster' | 'Namespaced';
  description: string;
  spec: z.ZodType;
  status?: z.ZodType;
  columns: PrinterColumn[];
  /** The longest metadata.name, when the kind needs a shorter one than Kubernetes' 253. */
  maxNameLength?: number;
}

const condition = (type: string, field: 'status' | 'reason' | 'message') =>
  `.status.conditions[?(@.type=="${type}")].${field}`;
const readyColumns: PrinterColumn[] = [
  { name: 'Ready', type: 'string', jsonPath: condition('Ready', 'status') },
  { name: 'Status', type: 'string', jsonPath: condition('Ready', 'message'), priority: 1 },
];
const ageColumn: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export const KINDS: KindDefinition[] = [
  {
    kind: PACKREGISTRY_KIND,
    plural: 'packregistries',
    singular: 'packregistry',
    shortNames: ['preg'],
    scope: 'Cluster',
    description:
      'A Helm repository or OCI registry that packs are synced from. Its name (at most 63 characters) is the ' +
      'packyard.io/registry label of its Packs.',
    spec: packRegistrySpec,
    status: packRegistryStatus,
    maxNameLength: MAX_REGISTRY_NAME,
    columns: [
      { name: 'Type', type: 'string', jsonPath: '.spec.type' },
      { name: 'URL', type: 'string', jsonPath: '.spec.url' },
      { name: 'Default', type: 'boolean', jsonPath: '.spec.default', priority: 1 },
      ...readyColumns,
      { name: 'Packs', type: 'integer', jsonPath: '.status.packCount' },
      { name: 'Versions', type: 'integer', jsonPath: '.status.versionCount', priority: 1 },
      { name: 'Last Sync', type: 'date', jsonPath: '.status.lastSyncTime' },
      ageColumn,
    ],
  },
  {
    kind: PACK_KIND,
    plural: 'packs',
    singular: 'pack',
    shortNames: ['pk'],
    scope: 'Cluster',
    description: 'One pack of a registry and its versions. Written by the controller only.',
    spec: packSpec,
    columns: [
      { name: 'Registry', type: 'string', jsonPath: '.spec.registry' },
      { name: 'Pack', type: 'string', jsonPath: '.spec.name', priority: 1 },
      { name: 'Layer', type: 'string', jsonPath: '.spec.layer' },
      { name: 'Latest', type: 'string', jsonPath: '.spec.latest' },
      { name: 'Versions', type: 'integer', jsonPath: '.spec.versionCount' },
      ageColumn,
    ],
  },
  {
    kind: CLUSTERPROFILE_KIND,
    plural: 'clusterprofiles',
    singular: 'clusterprofile',
    shortNames: ['cprof'],
    scope: 'Namespaced',
    description: 'An ordered stack of packs, resolved to exact versions and digests in its status.',
    spec: clusterProfileSpec,
    status: clusterProfileStatus,
    columns: [
      { name: 'Type', type: 'string', jsonPath: '.spec.type' },
      { name: 'Version', type: 'string', jsonPath: '.spec.version' },
      { name: 'Policy', type: 'string', jsonPath: '.spec.updatePolicy', priority: 1 },
      ...readyColumns,
      { name: 'Revision', type: 'string', jsonPath: '.status.revision', priority: 1 },
      ageColumn,
    ],
  },
];

export function crdName(def: KindDefinition): string {
  return `${def.plural}.${GROUP}`;
}

/** The CustomResourceDefinition for one kind, generated from its zod schemas. */
export function buildCrd(def: KindDefinition): Record<string, unknown> {
  const properties: Record<string, unknown> = {
    apiVersion: { type: 'string', description: `APIVersion of the object: ${API_VERSION}.` },
    kind: { type: 'string', description: `Kind of the object: ${def.kind}.` },
    metadata: def.maxNameLength
      ? { type: 'object', properties: { name: { type: 'string', maxLength: def.maxNameLength } } }
      : { type: 'object' },
    spec: toStructuralSchema(def.spec),
  };
  if (def.status) properties.status = toStructuralSchema(def.status);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: crdName(def) },
    spec: {
      group: GROUP,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: def.shortNames,
        categories: [CATEGORY],
      },
      scope: def.scope,
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: def.description,
              required: ['spec'],
              properties,
            },
          },
          ...(def.status ? { subresources: { status: {} } } : {}),
          additionalPrinterColumns: def.columns,
        },
      ],
    },
  };
}
