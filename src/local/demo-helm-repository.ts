// The demo Helm repository of `make run`: small charts packaged by the real helm CLI and served on
// loopback, so a newcomer sees registries sync and profiles resolve without any network.
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import { makeHelmRepository, type ChartSpec } from './helm-charts.js';

const layer = (l: string) => ({ 'packyard.io/layer': l });

/** What the demo offers; deploy/samples' profiles resolve against it (CNI and CSI come from the OCI demo). */
export const DEMO_CHARTS: ChartSpec[] = [
  { name: 'ubuntu', version: '22.4.3', appVersion: '22.04.3', annotations: layer('os') },
  { name: 'ubuntu', version: '22.4.4', appVersion: '22.04.4', annotations: layer('os') },
  { name: 'ubuntu', version: '24.4.1', appVersion: '24.04.1', annotations: layer('os') },
  { name: 'kubernetes', version: '1.29.6', annotations: layer('k8s') },
  { name: 'kubernetes', version: '1.30.2', annotations: layer('k8s') },
  { name: 'kubernetes', version: '1.30.4', annotations: layer('k8s') },
  { name: 'podinfo', version: '6.6.3', appVersion: '6.6.3', kubeVersion: '>=1.23.0-0' },
  { name: 'podinfo', version: '6.7.0', appVersion: '6.7.0', kubeVersion: '>=1.23.0-0' },
  { name: 'kube-state-metrics', version: '5.20.1', appVersion: '2.12.0' },
  { name: 'kube-state-metrics', version: '5.25.1', appVersion: '2.13.0' },
  // A chart with a values schema: deploy/samples/clusterprofile-values.yaml gives it a value it forbids.
  {
    name: 'guestbook',
    version: '1.2.0',
    appVersion: '1.2.0',
    files: {
      'values.yaml': 'replicaCount: 1\nservice:\n  type: ClusterIP\n  port: 80\n',
      'values.schema.json': `${JSON.stringify(
        {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          required: ['replicaCount', 'service'],
          properties: {
            replicaCount: { type: 'integer', minimum: 1 },
            service: {
              type: 'object',
              properties: {
                type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
                port: { type: 'integer', minimum: 1, maximum: 65535 },
              },
            },
          },
        },
        null,
        2,
      )}\n`,
    },
  },
];

export interface DemoHelmRepository {
  url: string;
  /** The public key the charts' provenance files verify with (pubring.gpg, binary). */
  pubring: Buffer;
  close(): Promise<void>;
}

/**
 * Builds the charts once into `dir`, signed (`helm package --sign`, with a PGP key made here by
 * openpgp, so no GnuPG is needed), and serves them and their .prov files on 127.0.0.1 (the preferred
 * port if free).
 */
export async function startDemoHelmRepository(dir: string, preferredPort = 8879): Promise<DemoHelmRepository> {
  // pubring.gpg is written last: a directory without it (an older demo's, unsigned) is built again.
  const pubringPath = join(dir, 'pubring.gpg');
  // Also rebuilt when a chart is missing, so a .dev of an older checkout gains the charts added since.
  const complete = DEMO_CHARTS.every((c) => existsSync(join(dir, `${c.name}-${c.version}.tgz`)));
  if (!existsSync(join(dir, 'index.yaml')) || !existsSync(pubringPath) || !complete) {
    rmSync(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const key = await openpgp.generateKey({
      type: 'rsa',
      rsaBits: 2048,
      userIDs: [{ name: 'Packyard Demo', email: 'demo@packyard.invalid' }],
      format: 'binary',
    });
    const keyring = join(dir, 'secring.gpg');
    await writeFile(keyring, key.privateKey, { mode: 0o600 });
    makeHelmRepository(DEMO_CHARTS, dir, { key: 'Packyard Demo', keyring });
    rmSync(keyring);
    await writeFile(pubringPath, key.publicKey);
  }
  const server = createServer((req, res) => {
    const file = new URL(req.url ?? '/', 'http://x').pathname.replace(/^\/charts\//, '');
    if (file.includes('/') || file.includes('..') || !existsSync(join(dir, file))) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': file.endsWith('.yaml') ? 'application/x-yaml' : 'application/gzip' });
    res.end(readFileSync(join(dir, file)));
  });
  const port = await listen(server, preferredPort).catch(() => listen(server, 0));
  return {
    url: `http://127.0.0.1:${port}/charts`,
    pubring: readFileSync(pubringPath),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
