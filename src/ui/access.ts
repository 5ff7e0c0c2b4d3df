import type { KubeClient } from '../controller/kube-client.js';
import { GROUP } from '../api/common.js';

/** Whether a button may act, and when not, why: shown beside the disabled button. */
export interface Permission {
  allowed: boolean;
  reason?: string;
}

/** The writes the page offers, checked with the person's own credentials. */
export interface Access {
  user: string;
  /** Sync now: patch PackRegistries (cluster-scoped). */
  syncRegistries: Permission;
  /** Per namespace: update now (patch a ClusterProfile) and apply from the composer (create and patch). */
  namespaces: Record<string, { updateProfiles: Permission; applyProfiles: Permission }>;
}

interface ReviewStatus {
  allowed?: boolean;
  denied?: boolean;
  reason?: string;
  evaluationError?: string;
}

/**
 * Asks the apiserver what the kubeconfig's user may do (SelfSubjectAccessReview), so the page
 * disables what RBAC forbids before anyone clicks, and says why.
 */
export async function checkAccess(client: KubeClient, namespaces: readonly string[]): Promise<Access> {
  const user = await whoAmI(client);
  const can = (verb: string, resource: string, namespace?: string) => review(client, user, verb, resource, namespace);
  const [syncRegistries, ...perNamespace] = await Promise.all([
    can('patch', 'packregistries'),
    ...namespaces.map(async (ns) => {
      const [patch, create] = await Promise.all([
        can('patch', 'clusterprofiles', ns),
        can('create', 'clusterprofiles', ns),
      ]);
      return [ns, { updateProfiles: patch, applyProfiles: patch.allowed ? create : patch }] as const;
    }),
  ]);
  return {
    user,
    syncRegistries: syncRegistries!,
    namespaces: Object.fromEntries(perNamespace as (readonly [string, Access['namespaces'][string]])[]),
  };
}

async function review(
  client: KubeClient,
  user: string,
  verb: string,
  resource: string,
  namespace?: string,
): Promise<Permission> {
  const where = namespace ? ` in namespace ${namespace}` : '';
  try {
    const answer = await client.request<{ status?: ReviewStatus }>(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: { group: GROUP, resource, verb, ...(namespace && { namespace }) } },
        },
      },
    );
    const status = answer.status ?? {};
    if (status.allowed === true) return { allowed: true };
    // RBAC gives no reason for a denial; an authorizer that does (a webhook) is quoted.
    const why = status.reason || status.evaluationError;
    return {
      allowed: false,
      reason: `RBAC: ${user} may not ${verb} ${resource}.${GROUP}${where}${why ? ` (${why})` : ''}`,
    };
  } catch (err) {
    return {
      allowed: false,
      reason: `cannot check whether ${user} may ${verb} ${resource}${where}: ${(err as Error).message}`,
    };
  }
}

/** The user name the apiserver authenticates the kubeconfig as (SelfSubjectReview), for messages. */
export async function whoAmI(client: KubeClient): Promise<string> {
  try {
    const answer = await client.request<{ status?: { userInfo?: { username?: string } } }>(
      'POST',
      '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
    );
    return answer.status?.userInfo?.username ?? 'this user';
  } catch {
    return 'this user';
  }
}
