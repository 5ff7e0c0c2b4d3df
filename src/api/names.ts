/**
 * The API's names and limits without its schemas: what the operator needs at run time. The
 * operator imports these (and types) only, so it never loads zod, whose schemas cost about 16 MiB
 * resident; the apiserver validates objects against the CRDs generated from the schemas anyway.
 * The schema modules re-export each name, so callers that have the schemas loaded need not care.
 */
export const GROUP = 'packyard.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;
export const CATEGORY = 'packyard';
/** Where the operator runs (its Secrets, ConfigMaps and Lease) unless told otherwise. */
export const DEFAULT_OPERATOR_NAMESPACE = 'packyard-system';

/** Palette's layer enum, in its order: a stack is built bottom up, kernel (optional, rare) first. */
export const LAYERS = ['kernel', 'os', 'k8s', 'cni', 'csi', 'addon'] as const;
export type Layer = (typeof LAYERS)[number];

const layerSet: ReadonlySet<string> = new Set(LAYERS);
/** Whether a value is one of LAYERS. */
export function isLayer(value: unknown): value is Layer {
  return typeof value === 'string' && layerSet.has(value);
}

export const PACK_KIND = 'Pack';
export const REGISTRY_LABEL = 'packyard.io/registry';
export const PACK_LABEL = 'packyard.io/pack';
export const LAYER_ANNOTATION = 'packyard.io/layer';
export const DISPLAY_NAME_ANNOTATION = 'packyard.io/display-name';

export const PACKREGISTRY_KIND = 'PackRegistry';
export const SYNC_REQUESTED_ANNOTATION = 'packyard.io/sync-requested-at';
export const DEFAULT_MAX_INDEX_SIZE = 64 * 1024 * 1024;
/** Where a trustedRootRef's JSON is unless it names another key. */
export const TRUSTED_ROOT_KEY = 'trusted_root.json';

export const CLUSTERPROFILE_KIND = 'ClusterProfile';
export const UPDATE_REQUESTED_ANNOTATION = 'packyard.io/update-requested-at';
export const MAX_PACKS = 64;
export const MAX_VALUES_BYTES = 256 * 1024;
export const MAX_MANIFESTS = 64;
