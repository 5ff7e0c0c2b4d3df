import type { KubernetesObject } from '@kubernetes/client-node';
import type { ClusterProfile } from '../api/clusterprofile.js';
import type { Pack } from '../api/pack.js';
import type { PackRegistry } from '../api/packregistry.js';
import { CLUSTERPROFILE, PACK, PACKREGISTRY } from '../api/resource-types.js';
import { Informer } from '../controller/informer.js';
import { KubeApiError, type KubeClient, type ResourceType } from '../controller/kube-client.js';
import { objectKey } from '../controller/object-key.js';
import { registryState } from '../reconcilers/clusterprofile-reconciler.js';
import type { RegistryState } from '../resolve/registries.js';
import type { PackCatalog } from '../resolve/resolve-profile.js';
import { packSummary, type PackSummary } from './pack-summary.js';

export type RegistryObject = PackRegistry & KubernetesObject & { metadata: { name: string } };
export type PackObject = Pack & KubernetesObject & { metadata: { name: string } };
export type ProfileObject = ClusterProfile & KubernetesObject & { metadata: { name: string; namespace: string } };

export type Kind = 'registries' | 'packs' | 'profiles';
/** What the page receives: whole registries and profiles (small), packs as summaries (versions on demand). */
export interface ViewItems {
  registries: RegistryObject[];
  packs: PackSummary[];
  profiles: ProfileObject[];
}
/** A batch of changes: objects added or changed, and keys removed, per kind. */
export interface ViewPatch {
  upsert: Partial<ViewItems>;
  remove: Partial<Record<Kind, string[]>>;
  /** Why a kind cannot be read (the user's RBAC, an unreachable cluster); null once it reads again. */
  errors?: Partial<Record<Kind, string | null>>;
}

/** Changes within this window go out as one patch: a registry sync rewrites many Packs at once. */
const BATCH_MS = 100;
const BY_REGISTRY_AND_NAME = 'registry-pack';
const BY_REGISTRY = 'registry';

/**
 * The cluster as the page sees it, read with the person's own kubeconfig: one informer (list,
 * then watch) per kind, and a stream of batched patches for the page's live updates.
 */
export class ClusterView {
  readonly registries: Informer<RegistryObject>;
  readonly packs: Informer<PackObject>;
  readonly profiles: Informer<ProfileObject>;
  private readonly listeners = new Set<(patch: ViewPatch) => void>();
  private readonly errors: Record<Kind, string | null> = { registries: null, packs: null, profiles: null };
  private pending: ViewPatch = { upsert: {}, remove: {} };
  private timer?: NodeJS.Timeout;

  constructor(readonly client: KubeClient) {
    this.registries = this.informer<RegistryObject>(PACKREGISTRY, 'registries', (o) => o);
    this.packs = this.informer<PackObject>(PACK, 'packs', packSummary);
    this.profiles = this.informer<ProfileObject>(CLUSTERPROFILE, 'profiles', (o) => o);
    this.packs.addIndex(BY_REGISTRY_AND_NAME, (p) => [`${p.spec.registry}/${p.spec.name}`]);
    this.packs.addIndex(BY_REGISTRY, (p) => [p.spec.registry]);
  }

  private informer<T extends KubernetesObject>(type: ResourceType, kind: Kind, show: (obj: T) => unknown): Informer<T> {
    const informer: Informer<T> = new Informer<T>(this.client, {
      type,
      backoffMaxMs: 10_000,
      onRestart: (err) => this.setError(kind, describeError(type, err)),
    });
    const upsert = (obj: T) => {
      this.setError(kind, null);
      const list = (this.pending.upsert[kind] ??= []) as unknown[];
      list.push(show(obj));
      this.schedule();
    };
    informer.on({
      onAdd: upsert,
      onUpdate: (old, obj) => old !== obj && upsert(obj),
      onDelete: (obj) => {
        (this.pending.remove[kind] ??= []).push(objectKey(obj));
        this.schedule();
      },
    });
    return informer;
  }

  /** Starts the watches and waits for the first lists; a kind the user may not read reports why instead. */
  async start(): Promise<void> {
    const all = [this.registries, this.packs, this.profiles];
    for (const informer of all) informer.start();
    const kinds: Kind[] = ['registries', 'packs', 'profiles'];
    await Promise.all(
      all.map(
        (informer, i) =>
          new Promise<void>((resolve) => {
            const done = () => (clearInterval(poll), resolve());
            // A kind that fails (Forbidden) never syncs: its error is the answer.
            const poll = setInterval(() => this.errors[kinds[i]!] !== null && done(), 50);
            void informer.waitForSync().then(done);
          }),
      ),
    );
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await Promise.all([this.registries.stop(), this.packs.stop(), this.profiles.stop()]);
  }

  snapshot(): ViewItems & { errors: Record<Kind, string | null> } {
    return {
      registries: this.registries.list(),
      packs: this.packs.list().map(packSummary),
      profiles: this.profiles.list(),
      errors: { ...this.errors },
    };
  }

  subscribe(listener: (patch: ViewPatch) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The registries as the resolver sees them, as the operator's reconciler derives them. */
  registryStates(): RegistryState[] {
    return this.registries.list().map(registryState);
  }

  /** The synced Packs as the resolver's catalogue, as the operator's reconciler indexes them. */
  catalog(): PackCatalog {
    return {
      get: (registry, chart) => this.packs.byIndex(BY_REGISTRY_AND_NAME, `${registry}/${chart}`)[0]?.spec,
      names: (registry) => this.packs.byIndex(BY_REGISTRY, registry).map((p) => p.spec.name),
    };
  }

  private setError(kind: Kind, error: string | null): void {
    if (this.errors[kind] === error) return;
    this.errors[kind] = error;
    (this.pending.errors ??= {})[kind] = error;
    this.schedule();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const patch = this.pending;
      this.pending = { upsert: {}, remove: {} };
      for (const listener of this.listeners) listener(patch);
    }, BATCH_MS);
  }
}

function describeError(type: ResourceType, err: unknown): string {
  const what = `${type.plural}.${type.group}`;
  if (err instanceof KubeApiError) {
    return err.code === 403
      ? `Forbidden: you may not list or watch ${what}`
      : `cannot read ${what}: ${err.reason}: ${err.message}`;
  }
  return `cannot read ${what}: ${err instanceof Error ? err.message : String(err)}`;
}
