import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ActionButton, LAYER_NAMES, LAYERS, shortDigest } from '../format.js';
import { html } from '../html.js';

/** What the page may say of a valuesFrom source: whether it was read, never what it holds. */
const SOURCE_STATES = { found: 'found', missing: 'not found', forbidden: 'forbidden to you' };
const REQUIRED = { infra: ['os', 'k8s', 'cni'], full: ['os', 'k8s', 'cni'], 'add-on': [] };
const LAYERS_OF = { infra: LAYERS.filter((l) => l !== 'addon'), full: LAYERS, 'add-on': ['addon'] };
let nextRow = 1;
const row = (layer) => ({ key: nextRow++, layer, name: '', registry: '', version: '', values: '', valuesFrom: [] });
const source = () => ({ key: nextRow++, kind: 'ConfigMap', name: '', valuesKey: '', optional: false });
/** The valuesFrom entries the profile holds: those with a name. */
const namedSources = (r) => r.valuesFrom.filter((v) => v.name.trim());

/** The profile as the API takes it (packs in layer order, empty fields left out), and each pack's row. */
function draftOf(meta, rows) {
  // Rows without a pack chosen yet are left out: the profile-wide rules then say what is missing.
  const inOrder = LAYERS.flatMap((layer) =>
    rows.filter((r) => r.name && r.layer === layer && LAYERS_OF[meta.type].includes(layer)),
  );
  const packs = inOrder.map((r) => ({
    name: r.name,
    layer: r.layer,
    ...(r.registry && { registry: r.registry }),
    version: r.version.trim() || 'latest',
    ...(r.values.trim() && { values: r.values }),
    ...(namedSources(r).length > 0 && {
      valuesFrom: namedSources(r).map((v) => ({
        kind: v.kind,
        name: v.name.trim(),
        ...(v.valuesKey.trim() && { valuesKey: v.valuesKey.trim() }),
        ...(v.optional && { optional: true }),
      })),
    }),
  }));
  const draft = {
    name: meta.name,
    namespace: meta.namespace,
    spec: { type: meta.type, ...(meta.updatePolicy !== 'Auto' && { updatePolicy: meta.updatePolicy }), packs },
  };
  return { draft, keys: inOrder.map((r) => r.key) };
}

/**
 * Compose a profile from the catalogue: pick packs per layer, write version expressions and
 * values, and see the operator's resolver answer as you type (it runs on the server), with each
 * problem shown at the pack it is about. Export the YAML, or apply it when RBAC allows.
 */
export function ComposerPage({ store }) {
  const [meta, setMeta] = useState({ name: 'my-profile', namespace: 'default', type: 'full', updatePolicy: 'Auto' });
  const [rows, setRows] = useState(() => REQUIRED.full.map(row));
  const [answer, setAnswer] = useState(undefined);
  const [permission, setPermission] = useState(undefined);
  const [message, setMessage] = useState(undefined);
  const [busy, setBusy] = useState(false);
  const asked = useRef(0);

  const { draft, keys } = useMemo(() => draftOf(meta, rows), [meta, rows]);
  const draftJson = JSON.stringify(draft);

  useEffect(() => {
    const ticket = ++asked.current;
    // A newer draft cancels the request for this one: its answer would be thrown away.
    const cancel = new AbortController();
    const timer = setTimeout(() => {
      api('compose', draft, cancel.signal).then(
        (a) => ticket === asked.current && setAnswer(a),
        (err) => ticket === asked.current && !cancel.signal.aborted && setAnswer({ error: err.message }),
      );
    }, 120);
    return () => {
      clearTimeout(timer);
      cancel.abort();
    };
    // The catalogue and the registries changing re-resolve too: the resolution is live.
  }, [draftJson, store.packs, store.registries]);

  useEffect(() => {
    setPermission(undefined);
    if (!meta.namespace) return;
    api(`access?namespace=${encodeURIComponent(meta.namespace)}`).then(
      (a) => setPermission(a.namespaces[meta.namespace].applyProfiles),
      (err) => setPermission({ allowed: false, reason: err.message }),
    );
  }, [meta.namespace]);

  const setField = (field) => (e) => setMeta({ ...meta, [field]: e.currentTarget.value });
  const update = (key, change) => setRows(rows.map((r) => (r.key === key ? { ...r, ...change } : r)));
  const remove = (key) => setRows(rows.filter((r) => r.key !== key));
  const add = (layer) => setRows([...rows, row(layer)]);
  const problemsAt = (r) => {
    const i = keys.indexOf(r.key);
    return [...(answer?.invalid ?? []), ...(answer?.problems ?? [])].filter((p) => i >= 0 && p.packs.includes(i));
  };
  /** What the server found for each valuesFrom entry of a row (found, missing, forbidden), by entry key. */
  const sourcesAt = (r) => {
    const i = keys.indexOf(r.key);
    const named = namedSources(r);
    const states = (answer?.valuesFrom ?? []).filter((s) => s.pack === i);
    return new Map(states.map((s) => [named[s.entry]?.key, s.state]));
  };
  const wholeProfile = [...(answer?.invalid ?? []), ...(answer?.problems ?? [])].filter((p) => p.packs.length === 0);
  const result = answer?.result;
  const valid = answer && !answer.error && answer.invalid.length === 0;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(answer.yaml);
      setMessage('YAML copied to the clipboard.');
    } catch (err) {
      setMessage(`Copy failed: ${err.message}`);
    }
  };
  const download = () => {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([answer.yaml], { type: 'application/yaml' }));
    link.download = `${meta.name || 'profile'}.yaml`;
    link.click();
    URL.revokeObjectURL(link.href);
  };
  const apply = async () => {
    setBusy(true);
    setMessage(undefined);
    try {
      const applied = await api('apply', draft);
      setMessage(
        html`Applied ${applied.namespace}/${applied.name}: see it on the
          <a href=${`#/profiles/${applied.namespace}/${applied.name}`}>profile page</a>.`,
      );
    } catch (err) {
      setMessage(`Apply failed: ${err.message}`);
    } finally {
      setBusy(false);
    }
  };

  return html`
    <h1>Composer</h1>
    <div class="columns">
      <form aria-label="Profile" onSubmit=${(e) => e.preventDefault()}>
        <div class="filters">
          <label>Name<input name="name" value=${meta.name} onInput=${setField('name')} required /></label>
          <label
            >Namespace<input name="namespace" value=${meta.namespace} onInput=${setField('namespace')} required
          /></label>
          <label
            >Type
            <select name="type" value=${meta.type} onChange=${setField('type')}>
              <option value="full">full</option>
              <option value="infra">infra</option>
              <option value="add-on">add-on</option>
            </select>
          </label>
          <label
            >Update policy
            <select name="updatePolicy" value=${meta.updatePolicy} onChange=${setField('updatePolicy')}>
              <option>Auto</option>
              <option>Manual</option>
            </select>
          </label>
        </div>
        <ol class="stack" aria-label="Layers">
          ${LAYERS_OF[meta.type].map(
            (layer) =>
              html`<li class="layer" data-layer=${layer}>
                <span class="tag">${LAYER_NAMES[layer]}</span>
                <div>
                  ${rows
                    .filter((r) => r.layer === layer)
                    .map(
                      (r) =>
                        html`<${PackRow}
                          key=${r.key}
                          row=${r}
                          store=${store}
                          problems=${answer ? problemsAt(r) : []}
                          sources=${sourcesAt(r)}
                          onChange=${(c) => update(r.key, c)}
                          onRemove=${() => remove(r.key)}
                        />`,
                    )}
                  <button
                    type="button"
                    class="secondary"
                    onClick=${() => add(layer)}
                    aria-label=${`Add a pack of layer ${LAYER_NAMES[layer]}`}
                  >
                    + ${LAYER_NAMES[layer]} pack
                  </button>
                </div>
              </li>`,
          )}
        </ol>
      </form>
      <section aria-labelledby="resolution-title">
        <h2 id="resolution-title">Resolution</h2>
        <div role="status" aria-live="polite" id="resolution-status">
          ${
            !answer
              ? html`<p class="muted">Resolving…</p>`
              : answer.error
                ? html`<p class="alert">${answer.error}</p>`
                : answer.invalid.length > 0
                  ? html`<p class="alert">
                      The apiserver would refuse this profile (${answer.invalid.length}
                      error${answer.invalid.length === 1 ? '' : 's'}).
                    </p>`
                  : result?.ok
                    ? html`<p>
                        <span class="status True">Resolved</span> ${result.resolved.length}
                        pack${result.resolved.length === 1 ? '' : 's'}
                      </p>`
                    : html`<p><span class="status False">Not resolved</span> ${result?.reason}</p>`
          }
        </div>
        ${wholeProfile.map((p) => html`<p class="problem-text" data-reason=${p.reason}><strong>${p.reason}</strong>${p.field ? html` <code>${p.field}</code>` : ''}: ${p.message}</p>`)}
        ${
          result?.ok &&
          html`<table id="resolution" aria-label="Resolved packs">
              <thead>
                <tr>
                  <th scope="col">Pack</th>
                  <th scope="col">Layer</th>
                  <th scope="col">Registry</th>
                  <th scope="col">Version</th>
                  <th scope="col">Digest</th>
                </tr>
              </thead>
              <tbody>
                ${result.resolved.map(
                  (r) =>
                    html`<tr data-name=${r.name}>
                      <th scope="row">${r.name}</th>
                      <td>${r.layer}</td>
                      <td>${r.registry ?? ''}</td>
                      <td class="mono version">${r.version ?? ''}</td>
                      <td class="mono digest" title=${r.digest}>${shortDigest(r.digest)}</td>
                    </tr>`,
                )}
              </tbody>
            </table>
            <p class="small muted">Revision <span class="mono" id="revision">${result.revision}</span></p>`
        }
        <div class="toolbar">
          <button type="button" class="secondary" onClick=${copy} disabled=${!answer?.yaml}>Copy YAML</button>
          <button type="button" class="secondary" onClick=${download} disabled=${!answer?.yaml}>Download YAML</button>
          <${ActionButton}
            id="apply"
            permission=${valid ? permission : { allowed: false, reason: 'fix the errors first' }}
            busy=${busy}
            onClick=${apply}
            label="Apply to the cluster"
            >Apply<//
          >
        </div>
        ${message && html`<p class="note" role="status">${message}</p>`}
        <pre class="yaml" aria-label="Profile YAML" tabindex="0"><code>${answer?.yaml ?? ''}</code></pre>
      </section>
    </div>
  `;
}

/** One pack of the profile: which pack of the catalogue, its version expression and values, and its problems. */
function PackRow({ row, store, problems, sources, onChange, onRemove }) {
  const choices = useMemo(
    () =>
      [...store.packs.values()]
        .filter((p) => p.layer === row.layer)
        .sort((a, b) => a.name.localeCompare(b.name) || a.registry.localeCompare(b.registry)),
    [store.packs, row.layer],
  );
  const value = row.name ? `${row.registry}/${row.name}` : '';
  const id = `pack-${row.key}`;
  const chosen = choices.find((p) => p.registry === row.registry && p.name === row.name);
  // Values problems are shown at the values, the others at the pack.
  const valuesProblems = problems.filter((p) => p.reason === 'InvalidValues');
  const packProblems = problems.filter((p) => p.reason !== 'InvalidValues');
  const setSource = (key, change) =>
    onChange({ valuesFrom: row.valuesFrom.map((v) => (v.key === key ? { ...v, ...change } : v)) });
  // A values problem opens the values, to show it where it is; fixing it leaves them open as they were.
  const details = useRef(null);
  useEffect(() => {
    if (valuesProblems.length > 0 && details.current) details.current.open = true;
  }, [valuesProblems.length]);
  return html`<div
    class=${`layer-row${problems.length ? ' problem' : ''}`}
    data-row=${row.layer}
    data-pack=${row.name}
    style="margin-bottom:.5rem"
  >
    <label
      >Pack
      <select
        id=${id}
        value=${value}
        aria-invalid=${packProblems.length > 0}
        aria-describedby=${packProblems.length ? `${id}-problems` : undefined}
        onChange=${(e) => {
          const [registry, ...name] = e.currentTarget.value.split('/');
          onChange({ registry, name: name.join('/') });
        }}
      >
        <option value="">Choose a ${LAYER_NAMES[row.layer]} pack…</option>
        ${choices.map((p) => html`<option value=${`${p.registry}/${p.name}`}>${p.displayName ?? p.name} (${p.registry}${p.latest ? `, latest ${p.latest}` : ''})</option>`)}
      </select>
    </label>
    <label
      >Version
      <input
        name="version"
        value=${row.version}
        placeholder=${chosen?.latest ? `latest (${chosen.latest})` : 'latest'}
        size="12"
        onInput=${(e) => onChange({ version: e.currentTarget.value })}
      />
    </label>
    <button type="button" class="secondary" onClick=${onRemove} aria-label=${`Remove ${row.name || 'this pack'}`}>
      Remove
    </button>
    <details style="flex-basis:100%" ref=${details}>
      <summary class="small">
        Values${row.values || row.valuesFrom.length ? ' (set)' : ''}${valuesProblems.length ? ' (invalid)' : ''}
      </summary>
      <label style="width:100%"
        >Values (YAML map)
        <textarea
          name="values"
          rows="4"
          value=${row.values}
          aria-invalid=${valuesProblems.length > 0}
          aria-describedby=${valuesProblems.length ? `${id}-values-problems` : undefined}
          onInput=${(e) => onChange({ values: e.currentTarget.value })}
        ></textarea>
      </label>
      <fieldset class="values-from">
        <legend class="small">
          Values from ConfigMaps and Secrets of the namespace (applied before the values above)
        </legend>
        ${row.valuesFrom.map(
          (v, n) =>
            html`<div class="source-row" data-source=${n}>
              <label
                >Kind
                <select value=${v.kind} onChange=${(e) => setSource(v.key, { kind: e.currentTarget.value })}>
                  <option>ConfigMap</option>
                  <option>Secret</option>
                </select>
              </label>
              <label
                >Name
                <input
                  name="source-name"
                  value=${v.name}
                  size="14"
                  onInput=${(e) => setSource(v.key, { name: e.currentTarget.value })}
              /></label>
              <label
                >Key
                <input
                  name="source-key"
                  value=${v.valuesKey}
                  placeholder="values.yaml"
                  size="10"
                  onInput=${(e) => setSource(v.key, { valuesKey: e.currentTarget.value })}
              /></label>
              <label class="small"
                ><input
                  type="checkbox"
                  checked=${v.optional}
                  onChange=${(e) => setSource(v.key, { optional: e.currentTarget.checked })}
                />
                optional</label
              >
              ${
                sources.has(v.key) &&
                html`<span
                  class=${`badge source-state ${sources.get(v.key) === 'found' ? 'ok' : 'bad'}`}
                  data-state=${sources.get(v.key)}
                  >${SOURCE_STATES[sources.get(v.key)]}</span
                >`
              }
              <button
                type="button"
                class="secondary"
                aria-label=${`Remove values from ${v.kind} ${v.name || 'this source'}`}
                onClick=${() => onChange({ valuesFrom: row.valuesFrom.filter((x) => x.key !== v.key) })}
              >
                Remove
              </button>
            </div>`,
        )}
        <button
          type="button"
          class="secondary"
          aria-label=${`Add values from a ConfigMap or Secret to ${row.name || 'this pack'}`}
          onClick=${() => onChange({ valuesFrom: [...row.valuesFrom, source()] })}
        >
          + values from
        </button>
      </fieldset>
      ${valuesProblems.length > 0 && html`<div class="values-problems" id=${`${id}-values-problems`}>${valuesProblems.map((p) => html`<p class="problem-text" data-reason=${p.reason}><strong>${p.reason}</strong>: ${p.message}</p>`)}</div>`}
    </details>
    ${packProblems.length > 0 && html`<div id=${`${id}-problems`}>${packProblems.map((p) => html`<p class="problem-text" data-reason=${p.reason}><strong>${p.reason}</strong>: ${p.message}</p>`)}</div>`}
  </div>`;
}
