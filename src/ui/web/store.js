// The page's copy of the cluster: a snapshot on connect, then the server's batched patches
// (server-sent events from its watches). Components read it through useStore().
import { useEffect, useState } from 'preact/hooks';

export const store = {
  registries: new Map(),
  packs: new Map(),
  profiles: new Map(),
  errors: { registries: null, packs: null, profiles: null },
  connected: false,
  /** Bumped on every change, so memoised views know to recompute. */
  version: 0,
};

const listeners = new Set();
let scheduled = false;

function notify() {
  store.version++;
  if (scheduled) return;
  scheduled = true;
  // One render per frame, however many patches arrive.
  requestAnimationFrame(() => {
    scheduled = false;
    for (const listener of listeners) listener(store.version);
  });
}

const keyOf = (obj) =>
  obj.metadata
    ? obj.metadata.namespace
      ? `${obj.metadata.namespace}/${obj.metadata.name}`
      : obj.metadata.name
    : obj.id;

function load(kind, items) {
  store[kind] = new Map(items.map((o) => [keyOf(o), o]));
}

function apply(patch) {
  for (const kind of ['registries', 'packs', 'profiles']) {
    const upserts = patch.upsert[kind];
    const removes = patch.remove[kind];
    if (!upserts && !removes) continue;
    const next = new Map(store[kind]);
    for (const obj of upserts ?? []) next.set(keyOf(obj), obj);
    for (const key of removes ?? []) next.delete(key);
    store[kind] = next;
  }
  if (patch.errors) store.errors = { ...store.errors, ...patch.errors };
}

/** Opens the event stream; the browser reconnects on its own, and the snapshot then starts afresh. */
export function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('snapshot', (e) => {
    const data = JSON.parse(e.data);
    load('registries', data.registries);
    load('packs', data.packs);
    load('profiles', data.profiles);
    store.errors = data.errors;
    store.connected = true;
    notify();
  });
  events.addEventListener('patch', (e) => {
    apply(JSON.parse(e.data));
    notify();
  });
  events.addEventListener('error', () => {
    store.connected = false;
    notify();
  });
}

/** Re-renders the component when the store changes; returns the store. */
export function useStore() {
  const [, setVersion] = useState(store.version);
  useEffect(() => {
    listeners.add(setVersion);
    return () => listeners.delete(setVersion);
  }, []);
  return store;
}
