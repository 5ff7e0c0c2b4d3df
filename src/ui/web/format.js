import { html } from './html.js';

/** The stack's order, as Palette and the admission rules have it. */
export const LAYERS = ['kernel', 'os', 'k8s', 'cni', 'csi', 'addon'];
export const LAYER_NAMES = { kernel: 'Kernel', os: 'OS', k8s: 'Kubernetes', cni: 'CNI', csi: 'CSI', addon: 'Add-on' };

export const condition = (obj, type = 'Ready') => (obj.status?.conditions ?? []).find((c) => c.type === type);

/** A condition's status, reason and message, for a table cell. */
export function ConditionCell({ c }) {
  if (!c) return html`<span class="status Unknown">Unknown</span> <span class="muted small">not reconciled yet</span>`;
  return html`<span class=${`status ${c.status}`}>${c.status}</span>
    <span class="small"> ${c.reason}</span>
    <div class="muted small">${c.message}</div>`;
}

export function ago(time, now = Date.now()) {
  if (!time) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(time)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

export function Time({ time }) {
  return time ? html`<time datetime=${time} title=${time}>${ago(time)}</time>` : html`<span class="muted">never</span>`;
}

export const shortDigest = (d) => (d ? d.replace(/^sha256:/, '').slice(0, 12) : '');

/** A write button that RBAC may forbid: disabled, with the reason beside it and tied to it for screen readers. */
export function ActionButton({ id, permission, onClick, busy, children, label }) {
  const denied = permission && !permission.allowed;
  const unknown = !permission;
  return html`<span>
    <button
      type="button"
      disabled=${denied || unknown || busy}
      aria-label=${label}
      aria-describedby=${denied ? `${id}-why` : undefined}
      onClick=${onClick}
    >
      ${busy ? 'Working…' : children}
    </button>
    ${denied && html`<span class="why" id=${`${id}-why`} role="note">${permission.reason}</span>`}
  </span>`;
}
