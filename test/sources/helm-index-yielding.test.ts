// The operator parses with parseHelmIndexYielding: the same catalogue as parseHelmIndex, with the
// event loop let run between charts, so timers (lease renewal, probes) are not held back by a parse.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/local/control-plane.js';
import { parseHelmIndex, parseHelmIndexYielding } from '../../src/sources/helm-index.js';
import { REPO_URL } from './helm-index-support.js';

const LARGEST = join(repoRoot(), '../shared/fixtures/helm-index/IBM__charts__repo__ibm-helm__index.yaml');

describe('parseHelmIndexYielding', () => {
  const body = readFileSync(LARGEST);
  const opts = { repoUrl: REPO_URL };

  it('reads the same catalogue as parseHelmIndex', async () => {
    expect(await parseHelmIndexYielding(body, opts)).toEqual(parseHelmIndex(body, opts));
  });

  it('refuses what parseHelmIndex refuses, with the same message', async () => {
    const bad = Buffer.from('apiVersion: v1\nentries:\n  a:\n  - name: a\n    version: 1.0.0\n    colour: red\n');
    const expected = (() => {
      try {
        parseHelmIndex(bad, opts);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error('parseHelmIndex accepted an unknown field');
    })();
    await expect(parseHelmIndexYielding(bad, opts)).rejects.toThrow(expected);
  });

  it('lets a timer run while it parses, where a blocking parse cannot', async () => {
    let fired = false;
    const timer = setTimeout(() => (fired = true), 0);
    parseHelmIndex(body, opts);
    expect(fired).toBe(false); // nothing runs during a blocking parse
    // sliceMs 0: a turn of the event loop after every chart, 341 of them here
    await parseHelmIndexYielding(body, opts, 0);
    expect(fired).toBe(true);
    clearTimeout(timer);
  });
});
