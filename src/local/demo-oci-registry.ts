// The demo OCI registry of `make run`: the real CNCF distribution registry on loopback holding
// Palette packs (pack.json with layer and dependencies) authored as directories and published by
// `packyard pack`'s own code: linted, built reproducibly and pushed as `packyard pack push` does.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPackDirectory } from '../cli/pack-input.js';
import { OciClient } from '../sources/oci/oci-client.js';
import { packRepository, pushPackArchive, versionTag } from '../sources/oci/pack-push.js';
import { TokenService } from '../sources/oci/token-service.js';
import { ManagedProcess, ProcessSet } from './managed-process.js';
import type { PackDependency } from '../api/pack.js';
import { toolPath } from './tools.js';
import { demoKeys, signLikeCosign } from './demo-signer.js';

interface DemoPack {
  name: string;
  version: string;
  layer: string;
  displayName: string;
  dependencies?: {
    packName: string;
    layer: string;
    minVersion?: string;
    maxVersion?: string;
    type: PackDependency['type'];
  }[];
  /** Signed with the demo key, as `cosign sign --key` does; the newest CSI pack is left unsigned. */
  signed: boolean;
}

const needsK8s = (min: string) => [
  { packName: 'kubernetes', layer: 'k8s', minVersion: min, type: 'required' as const },
];

/** What the demo OCI registry offers; the infra sample takes its CNI and CSI from here. */
export const DEMO_PACKS: DemoPack[] = [
  {
    name: 'cni-calico',
    version: '3.26.4',
    layer: 'cni',
    displayName: 'Calico',
    dependencies: needsK8s('1.24.0'),
    signed: true,
  },
  {
    name: 'cni-calico',
    version: '3.27.3',
    layer: 'cni',
    displayName: 'Calico',
    dependencies: needsK8s('1.27.0'),
    signed: true,
  },
  {
    name: 'csi-aws-ebs',
    version: '1.28.0',
    layer: 'csi',
    displayName: 'Amazon EBS CSI',
    dependencies: needsK8s('1.25.0'),
    signed: true,
  },
  {
    name: 'csi-aws-ebs',
    version: '1.30.0',
    layer: 'csi',
    displayName: 'Amazon EBS CSI',
    dependencies: needsK8s('1.26.0'),
    signed: false,
  },
];

export interface DemoOciRegistry {
  /** oci://127.0.0.1:PORT */
  url: string;
  /** The public key the signed packs verify with (cosign.pub, PEM). */
  publicKeyPem: string;
  close(): Promise<void>;
}

/**
 * Starts the registry with its data in `dir` (on `preferredPort` if free, else any) and pushes the
 * packs once. The registry runs in a process group of its own; `close()` stops it, SIGKILL after 5 s.
 */
export async function startDemoOciRegistry(
  dir: string,
  log: (line: string) => void,
  preferredPort = 5000,
): Promise<DemoOciRegistry> {
  const port = await freePort(preferredPort);
  const host = `127.0.0.1:${port}`;
  // Written after the last push: a run stopped halfway pushes again rather than serve half the packs.
  const seededMarker = join(dir, 'seeded-signed'); // a data dir seeded before the demo signed its packs is seeded again
  const seeded = existsSync(seededMarker);
  if (!seeded) rmSync(join(dir, 'data'), { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const keys = demoKeys(dir);
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\nhttp:\n  addr: ${host}\n`,
  );
  const procs = new ProcessSet();
  const registry = new ManagedProcess(
    'the OCI registry',
    toolPath('registry'),
    ['serve', config],
    join(dir, 'registry.log'),
    procs,
  );
  registry.start();
  const close = async () => {
    await registry.stop();
    procs.close();
  };
  try {
    await waitUntilServing(`http://${host}/v2/`, registry);
    if (!seeded) {
      log(
        `pushing ${DEMO_PACKS.length} Palette packs to the demo OCI registry with packyard pack push, signing all but one`,
      );
      const client = new OciClient({ origin: `http://${host}`, timeoutMs: 60_000, tokens: new TokenService() });
      for (const pack of DEMO_PACKS) {
        const { repository, digest } = await pushPack(client, pack, log);
        if (pack.signed) await signLikeCosign(client, repository, `${host}/${repository}`, digest, keys.privateKey);
      }
      writeFileSync(seededMarker, '');
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { url: `oci://${host}`, publicKeyPem: keys.publicKeyPem, close };
}

/** Writes the pack as an author would (pack.json, values.yaml), then lints, builds and pushes it to `spectro-packs/archive/<name>:<version>`. */
async function pushPack(
  client: OciClient,
  pack: DemoPack,
  log: (line: string) => void,
): Promise<{ repository: string; digest: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'packyard-demo-pack-'));
  try {
    const { dependencies, signed: _signed, ...fields } = pack;
    const packJson = {
      ...fields,
      addonType: pack.layer,
      cloudTypes: ['all'],
      constraints: { dependencies: dependencies ?? [] },
    };
    writeFileSync(join(dir, 'pack.json'), JSON.stringify(packJson, null, 2));
    writeFileSync(join(dir, 'values.yaml'), `pack:\n  namespace: ${pack.name}\n`);
    const built = await buildPackDirectory(dir, (text) => log(text.trimEnd()));
    const repository = packRepository('', built.name);
    const { digest } = await pushPackArchive(client, { repository, tag: versionTag(built.version) }, built.archive);
    return { repository, digest };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitUntilServing(url: string, registry: ManagedProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (registry.pid === undefined)
      throw new Error(
        `${registry.name} ${registry.exitReason ?? 'is not running'}; last lines of ${registry.logPath}:\n${await registry.logTail()}`,
      );
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the OCI registry did not answer ${url} within 20 s`);
}

function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = createServer().once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const { port: bound } = server.address() as { port: number };
        server.close(() => resolve(bound));
      });
    });
  return tryPort(preferred).catch(() => tryPort(0));
}
