import { stat } from 'node:fs/promises';
import { parseGoDuration } from '../../api/duration.js';
import { OciClient } from '../../sources/oci/oci-client.js';
import { packRepository, pushPackArchive, versionTag } from '../../sources/oci/pack-push.js';
import { parseOciUrl } from '../../sources/oci/reference.js';
import { TokenService } from '../../sources/oci/token-service.js';
import { SourceError } from '../../sources/source-error.js';
import type { PackRegistrySpec } from '../../api/packregistry.js';
import { HELP_OPTION, stringValue } from '../args.js';
import type { Command } from '../context.js';
import {
  credentialsFromDockerConfig,
  credentialsFromEnvironment,
  dockerConfigPath,
  envPrefix,
} from '../credentials.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { buildPackDirectory, readPackArchive } from '../pack-input.js';
import { plural } from '../../api/plural.js';

const DEFAULT_TIMEOUT = '10m';

export const packPushCommand: Command = {
  spec: {
    name: 'pack push',
    summary: 'Push a pack to an OCI registry where Palette and Packyard find it',
    usage: 'DIR|FILE oci://REGISTRY[/BASE] [flags]',
    description: [
      'Pushes a pack directory (linted and built as pack build does) or an archive built earlier to',
      '<BASE>/spectro-packs/archive/<name>:<version>, in the layout `oras push <ref> <name>-<version>.tar.gz:',
      'application/vnd.oci.image.layer.v1.tar+gzip` makes: an OCI image manifest with the empty config and the archive',
      'as its one layer. A PackRegistry with url oci://REGISTRY[/BASE] and oci.content: pack syncs it. Build metadata',
      '(1.2.3+k3s1) is tagged with _ (1.2.3_k3s1), which the sync reads back.',
      '',
      'Blobs the registry already holds are not sent again. A blob goes in one request, or in chunks when the',
      'registry asks for a minimum chunk size, when --chunk-size is given, or when it refuses the one request',
      '(HTTP 413 from a proxy body limit). Loopback registries are reached over http, others over https.',
      '',
      'Credentials, as for the other commands: with --registry NAME, PACKYARD_REGISTRY_<NAME>_USERNAME/_PASSWORD or',
      '_TOKEN (and _CA_FILE, _CERT_FILE/_KEY_FILE); else the docker config ($DOCKER_CONFIG/config.json or',
      '~/.docker/config.json, as docker/oras/helm login write it). Signing (--sign) is not available yet.',
      '',
      'The manifest records when it was made: now, or SOURCE_DATE_EPOCH when set (then the same pack gives the',
      'same manifest digest on every push).',
      '',
      'Prints the pushed reference with its manifest digest.',
      'Exit status: 0 pushed, 1 lint problems or the input is refused, 2 usage error, 4 the registry failed or refused.',
    ].join('\n'),
    options: {
      registry: {
        type: 'string',
        value: 'NAME',
        description: 'Read credentials from PACKYARD_REGISTRY_<NAME>_* first.',
      },
      'chunk-size': { type: 'string', value: 'BYTES', description: 'Upload blobs in PATCH chunks of this size.' },
      timeout: { type: 'string', value: 'DURATION', description: `The whole push (default ${DEFAULT_TIMEOUT}).` },
      ...HELP_OPTION,
    },
    examples: [
      'pack push packs/hello-universe oci://registry.example.com/palette',
      'pack push hello-universe-1.3.1.tar.gz oci://127.0.0.1:5000',
      'pack push packs/hello-universe oci://ghcr.io/acme --registry acme',
    ],
  },

  async run(ctx, values, positionals) {
    if (positionals.length !== 2) throw new UsageError('pack push needs DIR|FILE and oci://REGISTRY[/BASE]');
    const [input, target] = positionals as [string, string];
    let url;
    try {
      url = parseOciUrl(target);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    const chunkText = stringValue(values, 'chunk-size');
    const chunkSize = chunkText === undefined ? undefined : Number(chunkText);
    if (chunkSize !== undefined && !(Number.isSafeInteger(chunkSize) && chunkSize > 0))
      throw new UsageError(`--chunk-size must be a positive number of bytes, not "${chunkText}"`);
    const timeoutText = stringValue(values, 'timeout') ?? DEFAULT_TIMEOUT;
    const timeoutMs = parseDuration(timeoutText);
    const name = stringValue(values, 'registry');
    const resolved =
      name === undefined
        ? credentialsFromDockerConfig(target, ctx.env)
        : credentialsFromEnvironment(name, { type: 'oci', url: target } as PackRegistrySpec, ctx.env);

    const isDir = (await stat(input).catch(() => undefined))?.isDirectory();
    if (isDir === undefined) throw new UsageError(`${input}: no such file or directory`);
    const pack = isDir ? await buildPackDirectory(input, ctx.err) : await readPackArchive(input);

    const repository = packRepository(url.basePath, pack.name);
    const tag = versionTag(pack.version);
    const where = [name && `${envPrefix(name)}*`, `the docker config ${dockerConfigPath(ctx.env)}`]
      .filter(Boolean)
      .join(' or ');
    const client = new OciClient({
      origin: url.origin,
      credentials: {
        auth: resolved.credentials.auth,
        identityToken: (resolved.credentials as { identityToken?: string }).identityToken,
      },
      tls: resolved.credentials.tls,
      timeoutMs,
      signal: ctx.signal,
      tokens: new TokenService(),
      credentialSource: {
        configured: `from ${resolved.origin ?? 'the environment'}`,
        missing: `none were found (in ${where})${resolved.hint ? `: ${resolved.hint}` : ''}`,
      },
    });
    try {
      const result = await pushPackArchive(client, { repository, tag }, pack.archive, {
        chunkSize,
        created: sourceDateEpoch(ctx.env),
      });
      ctx.out(`${url.host}/${repository}:${tag}@${result.digest}\n`);
      ctx.err(
        `pushed ${pack.name} ${pack.version}: ${plural(result.uploaded, 'blob')} uploaded, ${result.skipped} already in the registry\n`,
      );
      return EXIT.OK;
    } catch (e) {
      if (e instanceof SourceError)
        throw new CliError(`push ${url.host}/${repository}:${tag}: ${e.message}`, EXIT.REGISTRY_UNREACHABLE);
      throw e;
    }
  },
};

/**
 * SOURCE_DATE_EPOCH (reproducible-builds.org), when set, is the manifest's created time: the same
 * pack then gives the same manifest digest on every push, as the archive has the same bytes.
 */
function sourceDateEpoch(env: NodeJS.ProcessEnv): Date | undefined {
  const text = env.SOURCE_DATE_EPOCH;
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,12}$/.test(text)) throw new UsageError(`SOURCE_DATE_EPOCH must be seconds since 1970, not "${text}"`);
  return new Date(Number(text) * 1000);
}

function parseDuration(text: string): number {
  try {
    const ms = parseGoDuration(text);
    if (ms > 0) return ms;
  } catch {
    // reported below
  }
  throw new UsageError(`--timeout must be a duration such as 90s or 10m, not "${text}"`);
}
