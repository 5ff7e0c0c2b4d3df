// Installing CRDs into a cluster and waiting until they can really be used: Established is not
// enough on its own, because discovery (and so every client) can lag behind it.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApiextensionsV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1CustomResourceDefinition,
} from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';

const FIELD_MANAGER = 'packyard';
const POLL_MS = 100;

/**
 * Server-side-applies every CustomResourceDefinition in dir/*.yaml|yml (other kinds are ignored) and
 * waits until all are established and served. Fails if the dir holds no CRD. Returns the CRD names.
 */
export async function applyCrdsFromDir(kc: KubeConfig, dir: string, timeoutMs = 30_000): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => /\.ya?ml$/.test(f)).sort();
  const crds: V1CustomResourceDefinition[] = [];
  for (const file of files) {
    for (const doc of loadAll(await readFile(join(dir, file), 'utf8'))) {
      const obj = doc as V1CustomResourceDefinition | null;
      if (obj?.kind === 'CustomResourceDefinition') crds.push(obj);
    }
  }
  if (crds.length === 0) throw new Error(`no CustomResourceDefinition found in ${dir}/*.yaml`);

  const api = kc.makeApiClient(ApiextensionsV1Api);
  // The generated client defaults to JSON Patch; apply needs its own content type. The body goes
  // through untyped (`any`), so schema keys such as x-kubernetes-* survive serialisation.
  const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply);
  const names: string[] = [];
  for (const crd of crds) {
    const name = crd.metadata?.name;
    if (!name) throw new Error(`a CustomResourceDefinition in ${dir} has no metadata.name`);
    await api
      .patchCustomResourceDefinition({ name, body: crd, fieldManager: FIELD_MANAGER, force: true }, apply)
      .catch((err: unknown) => {
        throw new Error(`applying CustomResourceDefinition ${name} from ${dir} failed: ${statusMessage(err)}`, {
          cause: err,
        });
      });
    names.push(name);
  }
  await waitForCrdsEstablished(kc, names, timeoutMs);
  return names;
}

/** Polls until every named CRD is Established=True and each served version lists it in discovery. */
export async function waitForCrdsEstablished(kc: KubeConfig, names: string[], timeoutMs = 30_000): Promise<void> {
  const api = kc.makeApiClient(ApiextensionsV1Api);
  const discovery = kc.makeApiClient(CustomObjectsApi);
  const deadline = Date.now() + timeoutMs;
  let pending = [...names];
  const why = new Map<string, string>();

  const isReady = async (name: string): Promise<boolean> => {
    const crd = await api.readCustomResourceDefinition({ name });
    const established = crd.status?.conditions?.find((c) => c.type === 'Established');
    if (established?.status !== 'True') {
      why.set(name, `Established=${established?.status ?? 'missing'} ${established?.message ?? ''}`.trim());
      return false;
    }
    const {
      group,
      names: { plural },
    } = crd.spec;
    for (const { name: version } of crd.spec.versions.filter((v) => v.served)) {
      const resources = await discovery.getAPIResources({ group, version }).catch(() => undefined);
      if (!resources?.resources.some((r) => r.name === plural)) {
        why.set(name, `not yet served in discovery at /apis/${group}/${version}`);
        return false;
      }
    }
    return true;
  };

  for (;;) {
    const ready = await Promise.all(
      pending.map((name) => isReady(name).catch((err: Error) => (why.set(name, err.message), false))),
    );
    pending = pending.filter((_, i) => !ready[i]);
    if (pending.length === 0) return;
    if (Date.now() > deadline) {
      const detail = pending.map((name) => `  ${name}: ${why.get(name) ?? 'unknown'}`).join('\n');
      throw new Error(`CRDs not established and served after ${timeoutMs / 1000}s:\n${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** The API server's own explanation from an ApiException (its Status body), else the error message. */
function statusMessage(err: unknown): string {
  const body = (err as { body?: unknown }).body;
  try {
    const status = (typeof body === 'string' ? JSON.parse(body) : body) as { message?: string } | undefined;
    if (status?.message) return status.message;
  } catch {
    // not a Status body
  }
  return err instanceof Error ? err.message : String(err);
}
