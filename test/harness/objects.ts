// Objects as a person would `kubectl apply` them, built in one place for every test.
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../../src/api/clusterprofile.js';
import { API_VERSION } from '../../src/api/names.js';
import type { PackRegistry } from '../../src/api/packregistry.js';

type Metadata = KubernetesObject['metadata'];

/**
 * A PackRegistry (cluster-scoped). The spec is as the test writes it, invalid ones included (the
 * apiserver is what judges it), hence the one cast here rather than one per call.
 */
export function packRegistry(
  name: string,
  spec: Record<string, unknown>,
  metadata: Metadata = {},
): PackRegistry & KubernetesObject {
  return { apiVersion: API_VERSION, kind: 'PackRegistry', metadata: { ...metadata, name }, spec } as PackRegistry &
    KubernetesObject;
}

/** A ClusterProfile in `namespace`; the spec as the test writes it. */
export function clusterProfile(
  name: string,
  namespace: string,
  spec: Record<string, unknown>,
  metadata: Metadata = {},
): ClusterProfile & KubernetesObject {
  return {
    apiVersion: API_VERSION,
    kind: 'ClusterProfile',
    metadata: { ...metadata, name, namespace },
    spec,
  } as ClusterProfile & KubernetesObject;
}

/** The chart annotation that makes a chart an os, k8s, cni or csi pack (add-ons need none). */
export function layer(l: string): Record<string, string> {
  return { 'packyard.io/layer': l };
}
