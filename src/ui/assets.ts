import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

export interface Asset {
  type: string;
  body: Buffer;
  gzip: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The page's own files (plain ES modules: no build step), beside the compiled server in the source tree. */
const WEB_DIR = fileURLToPath(new URL('../../../src/ui/web/', import.meta.url));

/**
 * The UI library, served from node_modules as the ES modules its packages ship; the page's import
 * map names them, so the page imports `preact` as any module would.
 */
export const VENDOR: Record<string, string> = {
  preact: 'vendor/preact.mjs',
  'preact/hooks': 'vendor/hooks.mjs',
  htm: 'vendor/htm.mjs',
};

function asset(path: string, body: Buffer): Asset {
  return { type: TYPES[extname(path)] ?? 'application/octet-stream', body, gzip: gzipSync(body, { level: 9 }) };
}

/** Every file the page loads, keyed by its path under /assets/, read and compressed once. */
export function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry !== 'index.html')
        assets.set(relative(WEB_DIR, path).split('\\').join('/'), asset(path, readFileSync(path)));
    }
  };
  walk(WEB_DIR);
  for (const [specifier, path] of Object.entries(VENDOR)) {
    const file = fileURLToPath(import.meta.resolve(specifier));
    assets.set(path, asset(file, readFileSync(file)));
  }
  return assets;
}

/**
 * The one HTML page, with the import map that points bare specifiers at /assets/vendor, and the
 * Content-Security-Policy that lets no script run but ours: files from this origin and that one
 * inline import map, by its hash.
 */
export function indexPage(): Asset & { csp: string } {
  const importMap = JSON.stringify({
    imports: Object.fromEntries(Object.entries(VENDOR).map(([k, v]) => [k, `/assets/${v}`])),
  });
  const html = readFileSync(join(WEB_DIR, 'index.html'), 'utf8').replace(
    '<!--importmap-->',
    `<script type="importmap">${importMap}</script>`,
  );
  const hash = createHash('sha256').update(importMap).digest('base64');
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'sha256-${hash}'`,
    // Pack icons come from anywhere on https; inline style attributes are layout only.
    "img-src 'self' https: data:",
    "style-src 'self' 'unsafe-inline'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return { ...asset('index.html', Buffer.from(html)), csp };
}
