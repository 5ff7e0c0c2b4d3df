// The image, `make operator` and every operator process the tests start run Node the same way:
// src/controller/node-runtime.ts is the one place that says how, and these files must agree with it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATOR_ENV, OPERATOR_NODE_FLAGS } from '../../src/controller/node-runtime.js';
import { repoRoot } from '../../src/local/control-plane.js';

const read = (file: string) => readFileSync(join(repoRoot(), file), 'utf8');
const envPairs = Object.entries(OPERATOR_ENV).map(([k, v]) => `${k}=${v}`);

describe('how Node runs the operator', () => {
  it('deploy/Dockerfile: the same flags in its ENTRYPOINT and the same environment', () => {
    const dockerfile = read('deploy/Dockerfile');
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(entrypoint).toEqual(['node', ...OPERATOR_NODE_FLAGS, 'build/src/main.js']);
    const env = dockerfile
      .split('\n')
      .filter((l) => l.startsWith('ENV '))
      .flatMap((l) => l.slice(4).trim().split(/\s+/));
    expect(env).toEqual(expect.arrayContaining(envPairs));
  });

  it('make operator: the same flags and environment', () => {
    const recipe = /^operator:.*\n((?:\t.*\n)+)/m.exec(read('Makefile'))![1]!.replace(/\\\n\s*/g, ' ');
    const words = recipe.trim().split(/\s+/);
    expect(words.slice(0, envPairs.length)).toEqual(envPairs);
    expect(words.slice(envPairs.length, envPairs.length + 1 + OPERATOR_NODE_FLAGS.length + 1)).toEqual([
      'node',
      ...OPERATOR_NODE_FLAGS,
      'build/src/main.js',
    ]);
  });
});
