import { GROUP, VERSION } from './names.js';

/** A group/version/resource and how to address it. */
export interface ResourceType {
  group: string; // '' for the core group
  version: string;
  plural: string;
  kind: string;
  namespaced: boolean;
}

export const PACKREGISTRY: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: 'packregistries',
  kind: 'PackRegistry',
  namespaced: false,
};
export const PACK: ResourceType = { group: GROUP, version: VERSION, plural: 'packs', kind: 'Pack', namespaced: false };
export const CLUSTERPROFILE: ResourceType = {
  group: GROUP,
  version: VERSION,
  plural: 'clusterprofiles',
  kind: 'ClusterProfile',
  namespaced: true,
};
export const SECRET: ResourceType = { group: '', version: 'v1', plural: 'secrets', kind: 'Secret', namespaced: true };
export const CONFIGMAP: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
};
export const NAMESPACE: ResourceType = {
  group: '',
  version: 'v1',
  plural: 'namespaces',
  kind: 'Namespace',
  namespaced: false,
};
