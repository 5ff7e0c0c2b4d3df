import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ActionButton, condition, LAYER_NAMES, LAYERS, shortDigest, Time } from '../format.js';
import { html } from '../html.js';

/** One ClusterProfile: its stack in layer order, each pack's expression and resolved version, conditions and updates. */
export function ProfilePage({ store, access, route }) {
  const profiles = [...store.profiles.values()].sort(
    (a, b) =>
      a.metadata.namespace.localeCompare(b.metadata.namespace) || a.metadata.name.localeCompare(b.metadata.name),
  );
  const [ns, name] = route;
  const selected = (ns && name && store.profiles.get(`${ns}/${name}`)) || profiles[0];
  return html`
    <h1>Profiles</h1>
    ${
      profiles.length === 0
        ? html`<p class="note">
            No ClusterProfile ${store.connected ? 'in this cluster' : 'loaded yet'}. Write one in the
            <a href="#/composer">composer</a>.
          </p>`
        : html`<nav aria-label="Profiles">
              <ul class="profile-list">
                ${profiles.map((p) => {
                  const ready = condition(p);
                  return html`<li>
                    <a
                      href=${`#/profiles/${p.metadata.namespace}/${p.metadata.name}`}
                      aria-current=${p === selected ? 'page' : undefined}
                      >${p.metadata.namespace}/${p.metadata.name}
                      <span
                        class=${`status ${ready?.status ?? 'Unknown'}`}
                        aria-label=${`Ready: ${ready?.status ?? 'Unknown'}`}
                        >●</span
                      ></a
                    >
                  </li>`;
                })}
              </ul>
            </nav>
            ${selected && html`<${Profile} key=${`${selected.metadata.namespace}/${selected.metadata.name}`} profile=${selected} access=${access} />`}`
    }
  `;
}

function Profile({ profile, access }) {
  const { namespace, name } = profile.metadata;
  const status = profile.status ?? {};
  const resolved = new Map((status.resolved ?? []).map((r) => [r.name, r]));
  const updates = status.updatesAvailable ?? [];
  const packs = [...profile.spec.packs].sort((a, b) => LAYERS.indexOf(a.layer) - LAYERS.indexOf(b.layer));
  const manual = profile.spec.updatePolicy === 'Manual';
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(undefined);
  const update = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api(`profiles/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/update`, {});
    } catch (err) {
      setError(err.message);
    } finally {
      setBusy(false);
    }
  };
  const permission = access?.namespaces?.[namespace]?.updateProfiles;
  return html`<section aria-labelledby="profile-title" data-profile=${`${namespace}/${name}`}>
    <h2 id="profile-title">
      ${namespace}/${name}
      <span class="muted small"
        >${profile.spec.type} · v${profile.spec.version ?? '1.0.0'} · update policy
        ${profile.spec.updatePolicy ?? 'Auto'}</span
      >
    </h2>
    ${profile.spec.description && html`<p>${profile.spec.description}</p>`}
    <ol class="stack" aria-label="Layers, bottom of the stack first">
      ${packs.map((p) => {
        const r = resolved.get(p.name);
        const u = updates.find((x) => x.name === p.name);
        return html`<li class="layer" data-pack=${p.name}>
          <span class="tag">${LAYER_NAMES[p.layer] ?? p.layer}</span>
          <div>
            <strong>${p.name}</strong>
            <span class="muted small">
              ${p.registry ?? 'default registry'}${p.chart && p.chart !== p.name ? ` · chart ${p.chart}` : ''}</span
            >
            <div class="small">
              wants <code class="expr">${p.manifests ? 'manifests' : (p.version ?? 'latest')}</code> ${' → resolved '}
              <code class="resolved">${r ? (r.version ?? 'manifests') : '–'}</code>
              ${r?.appVersion && html`<span class="muted"> (app ${r.appVersion})</span>`}
              ${r?.deprecated && html`<span class="badge bad">deprecated</span>`}
              ${r?.digest && html`<span class="muted mono" title=${r.digest}> ${shortDigest(r.digest)}</span>`}
            </div>
            ${u && html`<div class="small update"><span class="badge info">update</span> ${u.current} → <code>${u.available}</code>${u.note && html`<div class="muted">${u.note}</div>`}</div>`}
          </div>
        </li>`;
      })}
    </ol>
    ${
      updates.length > 0 &&
      html`<div class="toolbar">
        <span
          >${updates.length} update${updates.length === 1 ? '' : 's'}
          available${manual ? ' (held back by updatePolicy Manual)' : ''}.</span
        >
        ${manual && html`<${ActionButton} id=${`update-${namespace}-${name}`} permission=${permission} busy=${busy} onClick=${update} label=${`Take the updates of ${name} now`}>Update now<//>`}
        ${error && html`<span class="alert" role="alert">${error}</span>`}
      </div>`
    }
    <h2>Conditions</h2>
    <table aria-label="Conditions">
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Reason</th>
          <th scope="col">Message</th>
          <th scope="col">Since</th>
        </tr>
      </thead>
      <tbody>
        ${(status.conditions ?? []).map(
          (c) =>
            html`<tr data-condition=${c.type}>
              <th scope="row">${c.type}</th>
              <td class=${`status ${c.status}`}>${c.status}</td>
              <td>${c.reason}</td>
              <td class="small">${c.message}</td>
              <td><${Time} time=${c.lastTransitionTime} /></td>
            </tr>`,
        )}
      </tbody>
    </table>
    <p class="muted small">
      Revision <span class="mono">${status.revision ?? '–'}</span> · lock changed
      <${Time} time=${status.lastResolvedTime} />
    </p>
  </section>`;
}
