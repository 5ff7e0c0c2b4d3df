// Debian's chromium, driven by playwright-core (no browser download). `make test` installs it
// through hack/ensure-chromium.sh; a missing browser fails the test loudly, never skips it.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.PACKYARD_CHROMIUM || '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run hack/ensure-chromium.sh (make test does), or set PACKYARD_CHROMIUM to a Chromium binary`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container has no user namespaces for the sandbox; /dev/shm is often tiny there.
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--disable-gpu'],
  });
}

/** A page of its own (cookies apart), light or dark as an OS would say, at a desktop size. */
export async function newPage(
  browser: Browser,
  colorScheme: 'light' | 'dark' = 'light',
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    colorScheme,
    viewport: { width: 1360, height: 900 },
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  return { context, page };
}

/**
 * Bytes the browser received over the network per request, headers included, as Chromium's
 * DevTools count them (encodedDataLength): what "transferred" means in its Network panel. An
 * event stream never finishes, so its bytes are summed as they arrive.
 */
export async function recordTransfer(page: Page): Promise<() => { url: string; bytes: number }[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const urls = new Map<string, string>();
  const streamed = new Map<string, number>();
  const finished = new Map<string, number>();
  cdp.on('Network.requestWillBeSent', (e) => urls.set(e.requestId, e.request.url));
  cdp.on('Network.responseReceived', (e) =>
    streamed.set(e.requestId, (streamed.get(e.requestId) ?? 0) + e.response.encodedDataLength),
  );
  cdp.on('Network.dataReceived', (e) =>
    streamed.set(e.requestId, (streamed.get(e.requestId) ?? 0) + e.encodedDataLength),
  );
  cdp.on('Network.loadingFinished', (e) => finished.set(e.requestId, e.encodedDataLength));
  return () => [...urls].map(([id, url]) => ({ url, bytes: finished.get(id) ?? streamed.get(id) ?? 0 }));
}
