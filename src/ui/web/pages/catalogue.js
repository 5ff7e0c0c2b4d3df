import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { LAYER_NAMES, LAYERS, shortDigest } from '../format.js';
import { html } from '../html.js';

/** Rows rendered at once; more follow as the list scrolls into view (or on "Show more"). */
const STEP = 100;

/**
 * Every pack of every registry: search by name, filter by layer, registry and add-on type. The
 * list filters summaries only; a pack's versions are fetched when it is opened, so 500 packs of
 * 40 versions stay quick to load and to filter.
 */
export function CataloguePage({ store }) {
  const [query, setQuery] = useState('');
  const [layer, setLayer] = useState('');
  const [registry, setRegistry] = useState('');
  const [addonType, setAddonType] = useState('');
  const [open, setOpen] = useState(() => new Set());

  const all = useMemo(
    () =>
      [...store.packs.values()]
        .map((p) => ({ ...p, search: `${p.name} ${p.displayName ?? ''}`.toLowerCase() }))
        .sort((a, b) => a.name.localeCompare(b.name) || a.registry.localeCompare(b.registry)),
    [store.packs],
  );
  const registries = useMemo(() => [...new Set(all.map((p) => p.registry))].sort(), [all]);
  const addonTypes = useMemo(() => [...new Set(all.flatMap((p) => p.addonTypes))].sort(), [all]);
  const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
  const shown = useMemo(
    () =>
      all.filter(
        (p) =>
          (!layer || p.layer === layer) &&
          (!registry || p.registry === registry) &&
          (!addonType || p.addonTypes.includes(addonType)) &&
          words.every((w) => p.search.includes(w)),
      ),
    [all, layer, registry, addonType, words.join(' ')],
  );
  // How many rows to render, for this filter: a new filter starts again at STEP, so a keystroke
  // re-renders at most STEP rows however large the catalogue.
  const filterKey = `${layer}\0${registry}\0${addonType}\0${words.join(' ')}`;
  const [more, setMore] = useState({ key: filterKey, limit: STEP });
  const limit = more.key === filterKey ? more.limit : STEP;
  const showMore = () => setMore({ key: filterKey, limit: limit + STEP });
  const sentinel = useRef(null);
  useEffect(() => {
    if (!sentinel.current) return;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && showMore(), {
      rootMargin: '600px',
    });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  });
  const toggle = (id) => {
    const next = new Set(open);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setOpen(next);
  };

  return html`
    <h1>Catalogue</h1>
    <form class="filters" role="search" aria-label="Filter the catalogue" onSubmit=${(e) => e.preventDefault()}>
      <label
        >Search by name
        <input
          type="search"
          name="q"
          value=${query}
          onInput=${(e) => setQuery(e.currentTarget.value)}
          placeholder="e.g. cilium"
        />
      </label>
      <label
        >Layer
        <select name="layer" value=${layer} onChange=${(e) => setLayer(e.currentTarget.value)}>
          <option value="">All layers</option>
          ${LAYERS.map((l) => html`<option value=${l}>${LAYER_NAMES[l]}</option>`)}
        </select>
      </label>
      <label
        >Registry
        <select name="registry" value=${registry} onChange=${(e) => setRegistry(e.currentTarget.value)}>
          <option value="">All registries</option>
          ${registries.map((r) => html`<option value=${r}>${r}</option>`)}
        </select>
      </label>
      <label
        >Add-on type
        <select name="addonType" value=${addonType} onChange=${(e) => setAddonType(e.currentTarget.value)}>
          <option value="">All types</option>
          ${addonTypes.map((t) => html`<option value=${t}>${t}</option>`)}
        </select>
      </label>
    </form>
    <p class="muted small" role="status" aria-live="polite" id="catalogue-count">
      ${shown.length} of ${all.length} packs
    </p>
    <ul class="packs" aria-label="Packs">
      ${shown.slice(0, limit).map((p) => html`<${PackItem} key=${p.id} pack=${p} open=${open.has(p.id)} onToggle=${() => toggle(p.id)} />`)}
    </ul>
    ${
      shown.length > limit &&
      html`<p ref=${sentinel} class="toolbar">
        <span class="muted small">Showing ${limit} of ${shown.length}.</span>
        <button type="button" class="secondary" onClick=${showMore}>
          Show ${Math.min(STEP, shown.length - limit)} more
        </button>
      </p>`
    }
  `;
}

function PackItem({ pack, open, onToggle }) {
  const panel = `versions-${pack.id}`;
  return html`<li data-pack=${pack.id}>
    <button type="button" class="pack-head" aria-expanded=${open} aria-controls=${panel} onClick=${onToggle}>
      <span class="name"
        >${pack.displayName ?? pack.name}${pack.displayName && pack.displayName !== pack.name ? html` <span class="muted mono">${pack.name}</span>` : ''}</span
      >
      <span>${LAYER_NAMES[pack.layer] ?? pack.layer}</span>
      <span class="muted">${pack.registry}</span>
      <span class="mono"
        >${pack.latest ?? '–'}${pack.prereleases && html`<span class="badge warn">pre</span>`}${pack.deprecated && html`<span class="badge bad">deprecated</span>`}</span
      >
      <span class="muted small">${pack.versionCount} version${pack.versionCount === 1 ? '' : 's'}</span>
    </button>
    ${open && html`<${Versions} id=${panel} pack=${pack} />`}
  </li>`;
}

/** The versions of one pack, newest first, fetched when opened and again when the Pack changes. */
function Versions({ id, pack }) {
  const [full, setFull] = useState(undefined);
  const [error, setError] = useState(undefined);
  useEffect(() => {
    api(`packs/${encodeURIComponent(pack.id)}`).then(setFull, (err) => setError(err.message));
  }, [pack.id, pack.generation]);
  if (error) return html`<p id=${id} class="alert" role="alert">${error}</p>`;
  if (!full) return html`<p id=${id} class="muted small">Loading versions…</p>`;
  const spec = full.spec;
  return html`<div id=${id}>
    ${spec.description && html`<p class="small" style="margin:.2rem 1.2rem">${spec.description}</p>`}
    <table class="versions" aria-label=${`Versions of ${pack.name} in ${pack.registry}`}>
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">App version</th>
          <th scope="col">Kubernetes</th>
          <th scope="col">Dependencies</th>
          <th scope="col">Digest</th>
          <th scope="col">Chart</th>
        </tr>
      </thead>
      <tbody>
        ${spec.versions.map(
          (v) =>
            html`<tr>
              <th scope="row" class="mono">
                ${v.version}${v.prerelease && html`<span class="badge warn">prerelease</span>`}${v.deprecated && html`<span class="badge bad" title=${v.eol ? `end of life: ${v.eol}` : undefined}>deprecated</span>`}
              </th>
              <td class="mono">${v.appVersion ?? ''}</td>
              <td class="mono">${v.kubeVersion ?? ''}</td>
              <td class="small">
                ${(v.dependencies ?? []).map((d) => html`<div>${d.type} <span class="mono">${d.packName}</span> ${bounds(d)}</div>`)}
              </td>
              <td class="mono" title=${v.digest}>${shortDigest(v.digest)}</td>
              <td>
                ${v.urls?.[0] ? html`<a href=${v.urls[0]} rel="noreferrer noopener" target="_blank" aria-label=${`Download ${pack.name} ${v.version}`}>download</a>` : ''}
              </td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

function bounds(d) {
  const min = d.minVersion || '';
  const max = d.maxVersion || '';
  if (!min && !max) return '';
  return html`<span class="muted mono">${min ? `≥${min}` : ''}${min && max ? ' ' : ''}${max ? `≤${max}` : ''}</span>`;
}
