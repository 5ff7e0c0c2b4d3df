import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ActionButton, condition, ConditionCell, Time } from '../format.js';
import { html } from '../html.js';

/** Every PackRegistry: where it points, whether it is Ready and why, its catalogue's size, and sync now. */
export function RegistriesPage({ store, access }) {
  const registries = [...store.registries.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  return html`
    <h1>Registries</h1>
    ${
      registries.length === 0
        ? html`<p class="note">No PackRegistry ${store.connected ? 'in this cluster' : 'loaded yet'}.</p>`
        : html`<table aria-label="Pack registries">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col">URL</th>
                <th scope="col">Ready</th>
                <th scope="col">Last sync</th>
                <th scope="col" class="num">Packs</th>
                <th scope="col" class="num">Versions</th>
                <th scope="col" class="num">Skipped</th>
                <th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              ${registries.map((r) => html`<${RegistryRow} key=${r.metadata.name} registry=${r} permission=${access?.syncRegistries} />`)}
            </tbody>
          </table>`
    }
  `;
}

function RegistryRow({ registry, permission }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(undefined);
  const name = registry.metadata.name;
  const status = registry.status ?? {};
  const syncNow = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api(`registries/${encodeURIComponent(name)}/sync`, {});
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  const pending = registry.metadata.annotations?.['packyard.io/sync-requested-at'];
  const waiting = pending !== undefined && pending !== status.lastHandledSyncRequest;
  return html`<tr data-registry=${name}>
    <th scope="row">
      ${name}${registry.spec.default && html`<span class="badge info">default</span>`}${registry.spec.suspend && html`<span class="badge warn">suspended</span>`}
    </th>
    <td>${registry.spec.type}</td>
    <td class="mono small">${registry.spec.url}</td>
    <td class="ready"><${ConditionCell} c=${condition(registry)} /></td>
    <td><${Time} time=${status.lastSyncTime} /></td>
    <td class="num count-packs">${status.packCount ?? '–'}</td>
    <td class="num count-versions">${status.versionCount ?? '–'}</td>
    <td class="num count-skipped">${status.skippedVersions ?? '–'}</td>
    <td>
      <${ActionButton}
        id=${`sync-${name}`}
        permission=${permission}
        busy=${busy}
        onClick=${syncNow}
        label=${`Sync ${name} now`}
        >Sync now<//
      >
      ${waiting && html`<span class="why" role="status">sync requested</span>`}
      ${error && html`<span class="why alert" role="alert">${error}</span>`}
    </td>
  </tr>`;
}
