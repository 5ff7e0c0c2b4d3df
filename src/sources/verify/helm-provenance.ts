import { createHash } from 'node:crypto';
import * as openpgp from 'openpgp';
import { parse as parseYaml } from 'yaml';
import type { VersionVerification } from '../../api/verification.js';
import type { HttpAuth, HttpGetOptions, HttpResponse } from '../http-client.js';
import { contentFault, failed, unsigned, verified } from './verification-result.js';

const METHOD = 'helm-prov';
/** A .prov file is Chart.yaml plus one hash and a signature: a few KiB. */
const MAX_PROV_BYTES = 256 * 1024;

export interface ProvenanceFetch {
  http: (url: string, opts: HttpGetOptions) => Promise<HttpResponse>;
  /** Sent only to the repository's own origin, as Helm does without --pass-credentials. */
  auth?: HttpAuth;
  repoOrigin: string;
  tls?: HttpGetOptions['tls'];
  timeoutMs: number;
  signal?: AbortSignal;
  /** Largest chart archive hashed (the registry's maxIndexSize). */
  maxArchiveBytes: number;
}

/**
 * A chart's provenance as `helm package --sign` writes it and `helm verify` checks it: `<chart>.prov`
 * beside the archive, a PGP clear-signed message of Chart.yaml and `files: {<archive>: sha256:<hex>}`.
 * Verified when the signature is by one of the keys (valid, unexpired, unrevoked) and the archive
 * downloaded now has that hash. Unsigned when there is no .prov.
 */
export async function verifyProvenance(
  chartUrl: string,
  keys: openpgp.PublicKey[],
  f: ProvenanceFetch,
): Promise<VersionVerification> {
  try {
    return await provenance(chartUrl, keys, f);
  } catch (err) {
    const fault = contentFault(err);
    if (fault) return failed(fault, METHOD);
    throw err;
  }
}

async function provenance(
  chartUrl: string,
  keys: openpgp.PublicKey[],
  f: ProvenanceFetch,
): Promise<VersionVerification> {
  const provUrl = `${chartUrl}.prov`;
  const prov = await get(provUrl, MAX_PROV_BYTES, f);
  if (prov.status === 404) return unsigned(`no provenance file ${basename(provUrl)}`);
  const check = await checkProvenance(prov.body.toString('utf8'), keys);
  if (typeof check === 'string') return failed(`${basename(provUrl)}: ${check}`, METHOD);
  const archive = await get(chartUrl, f.maxArchiveBytes, f);
  if (archive.status === 404) return failed(`${basename(provUrl)} is there but the chart archive is not`, METHOD);
  const name = basename(chartUrl);
  const signed = check.files[name];
  const actual = `sha256:${createHash('sha256').update(archive.body).digest('hex')}`;
  if (signed === undefined)
    return failed(
      `${basename(provUrl)} signs ${Object.keys(check.files).join(', ') || 'no file'}, not ${name}`,
      METHOD,
    );
  if (signed !== actual)
    return failed(`${name} has ${actual}, but its provenance (signed by ${check.signer}) says ${signed}`, METHOD);
  return verified(check.signer, METHOD);
}

/**
 * The clear-signed message's signer and file hashes, or why it does not verify. Pure, for tests:
 * the .prov text and the trusted keys.
 */
export async function checkProvenance(
  text: string,
  keys: openpgp.PublicKey[],
): Promise<{ signer: string; files: Record<string, string> } | string> {
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: text });
  } catch (err) {
    return `not a PGP clear-signed message (${firstLine(err)})`;
  }
  const result = await openpgp.verify({ message, verificationKeys: keys });
  const signature = result.signatures[0];
  if (!signature) return 'no signature';
  try {
    await signature.verified;
  } catch (err) {
    return `signature by key ${signature.keyID.toHex()} does not verify: ${firstLine(err)}`;
  }
  const key = keys.find((k) => k.getKeys(signature.keyID).length > 0)!;
  const signer = `${key.getUserIDs()[0] ?? 'no user ID'} (${key.getKeyID().toHex()})`;
  // Helm's layout: Chart.yaml, a "..." line, then the YAML of the file sums.
  const parts = (result.data as string).split(/\r?\n\.\.\.\r?\n/);
  if (parts.length < 2) return `signed by ${signer}, but the message has no "..." section of file hashes`;
  let sums: unknown;
  try {
    sums = parseYaml(parts[parts.length - 1]!, { maxAliasCount: 0 });
  } catch (err) {
    return `signed by ${signer}, but its file hashes are not YAML (${firstLine(err)})`;
  }
  const files = (sums as { files?: unknown } | null)?.files;
  if (typeof files !== 'object' || files === null || Array.isArray(files))
    return `signed by ${signer}, but it lists no files`;
  return {
    signer,
    files: Object.fromEntries(Object.entries(files).filter((e): e is [string, string] => typeof e[1] === 'string')),
  };
}

async function get(url: string, maxBytes: number, f: ProvenanceFetch): Promise<{ status: number; body: Buffer }> {
  const sameOrigin = new URL(url).origin === f.repoOrigin;
  const res = await f.http(url, {
    auth: sameOrigin ? f.auth : undefined,
    tls: f.tls,
    timeoutMs: f.timeoutMs,
    signal: f.signal,
    maxBytes,
    allowStatus: [404],
  });
  if (res.notModified) throw new Error(`GET ${url}: unexpected 304`);
  return { status: res.status, body: res.body };
}

function basename(url: string): string {
  const path = new URL(url).pathname;
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!;
}
