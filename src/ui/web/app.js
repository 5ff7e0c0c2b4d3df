// The Packyard page: four views of one live store, routed by the URL's hash so that links,
// the back button and reloads work, and every view is reachable by keyboard.
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from './api.js';
import { html } from './html.js';
import { CataloguePage } from './pages/catalogue.js';
import { ComposerPage } from './pages/composer.js';
import { ProfilePage } from './pages/profile.js';
import { RegistriesPage } from './pages/registries.js';
import { connect, useStore } from './store.js';

const PAGES = [
  { path: 'registries', title: 'Registries', Page: RegistriesPage },
  { path: 'catalogue', title: 'Catalogue', Page: CataloguePage },
  { path: 'profiles', title: 'Profiles', Page: ProfilePage },
  { path: 'composer', title: 'Composer', Page: ComposerPage },
];

function useRoute() {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** What the person may write, per namespace: asked again when a new namespace shows up. */
function useAccess(namespaces) {
  const [access, setAccess] = useState(undefined);
  const key = [...namespaces].sort().join(',');
  useEffect(() => {
    const query = key
      .split(',')
      .filter(Boolean)
      .map((n) => `namespace=${encodeURIComponent(n)}`)
      .join('&');
    // Only the answer for the latest namespaces: an earlier one arriving last would drop the new namespaces.
    let latest = true;
    api(`access?${query}`).then(
      (answer) => latest && setAccess(answer),
      (err) => latest && setAccess({ error: err.message }),
    );
    return () => {
      latest = false;
    };
  }, [key]);
  return access;
}

function App() {
  const store = useStore();
  const [first = 'registries', ...rest] = useRoute();
  const page = PAGES.find((p) => p.path === first) ?? PAGES[0];
  const namespaces = new Set(['default', ...[...store.profiles.values()].map((p) => p.metadata.namespace)]);
  const access = useAccess(namespaces);
  const heading = useRef(null);

  useEffect(() => {
    document.title = `${page.title} · Packyard`;
  }, [page]);
  const errors = Object.values(store.errors).filter(Boolean);

  return html`
    <a class="skip" href="#main" onClick=${(e) => (e.preventDefault(), document.getElementById('main').focus())}
      >Skip to content</a
    >
    <header class="top">
      <span class="brand">Packyard</span>
      <nav aria-label="Pages">
        <ul>
          ${PAGES.map(
            (p) =>
              html`<li><a href=${`#/${p.path}`} aria-current=${p === page ? 'page' : undefined}>${p.title}</a></li>`,
          )}
        </ul>
      </nav>
      <span class=${`conn ${store.connected ? 'live' : 'down'}`} role="status" aria-live="polite">
        ${store.connected ? 'Live' : 'Connecting…'}${access?.user ? ` · ${access.user}` : ''}
      </span>
    </header>
    <main id="main" tabindex="-1" ref=${heading}>
      ${errors.map((e) => html`<p class="alert" role="alert">${e}</p>`)}
      ${access?.error && html`<p class="alert" role="alert">Cannot check permissions: ${access.error}</p>`}
      <${page.Page} store=${store} access=${access} route=${rest} />
    </main>
  `;
}

connect();
const root = document.getElementById('app');
root.textContent = ''; // the "Loading" line, there until the modules run
render(html`<${App} />`, root);
