// Paths of the Go-built tools (helm, oras, registry, kubectl, cosign) used by tests and the `make run` demo,
// built once by hack/build-tool.sh and cached outside the repository.
import { execFileSync } from 'node:child_process';
import { repoRoot } from './control-plane.js';

const cache = new Map<string, string>();

export function toolPath(tool: 'helm' | 'oras' | 'registry' | 'kubectl' | 'cosign'): string {
  let path = cache.get(tool);
  if (!path) {
    path = execFileSync(`${repoRoot()}/hack/build-tool.sh`, [tool], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    cache.set(tool, path);
  }
  return path;
}
