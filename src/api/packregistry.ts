import { z } from 'zod';
import { withRules } from './rules.js';
import { verificationCounts, verifySpec } from './verification.js';
import { boundedDuration, conditions, objectMeta, observedGeneration, secretReference, timestamp } from './common.js';

import { DEFAULT_MAX_INDEX_SIZE, PACKREGISTRY_KIND, SYNC_REQUESTED_ANNOTATION } from './names.js';

export { DEFAULT_MAX_INDEX_SIZE, PACKREGISTRY_KIND, SYNC_REQUESTED_ANNOTATION } from './names.js';

// Flux has no bound but recommends 60s or more; 0 would never requeue, and a year keeps every next sync time a Date.
const MIN_INTERVAL = '1m';
const MAX_INTERVAL = '8760h';
// 0s times out every sync; past 2^31-1 ms (24.8 days) Node's timers fire at once instead.
const MIN_TIMEOUT = '1s';
const MAX_TIMEOUT = '1h';

/** 1 to 65535: a larger port is an invalid URL to fetch, refused on every sync. */
const PORT = '(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3})';
/**
 * scheme://[userinfo@]host[:port][path][?query][#fragment], read alike by Go's RE2 (the apiserver) and
 * JavaScript (packyard validate): explicit ASCII classes only, as \s is ASCII whitespace in RE2 and
 * Unicode whitespace in JavaScript. userinfo gets its own rule's message below. The host is a DNS name
 * or IPv4 address, or an [IPv6] address, so oci://https://host (a host named https) fails; the rest is
 * printable ASCII, non-ASCII percent-encoded as RFC 3986 has it.
 */
const REGISTRY_URL = new RegExp(
  `^(https?|oci)://([-A-Za-z0-9._~%!$&'()*+,;=:]*@)?([-A-Za-z0-9._~]+|\\[[0-9A-Fa-f:.]+\\])(:${PORT})?([/?#][!-~]*)?$`,
);

const globList = z.array(z.string().min(1).max(253)).max(256);

export const packRegistrySpec = withRules(
  z
    .object({
      type: z.enum(['helm', 'oci']).describe('Kind of source: a Helm chart repository or an OCI registry.'),
      url: z
        .string()
        .min(1)
        .max(2048)
        .regex(REGISTRY_URL)
        .describe(
          'https://… or http://… for helm; oci://host[:port][/base] for oci. Printable ASCII only (an international ' +
            'host name in its xn-- form), a port from 1 to 65535.',
        ),
      default: z
        .boolean()
        .default(false)
        .describe('Use this registry for profile packs that name none. At most one registry may claim it.'),
      interval: boundedDuration('interval', MIN_INTERVAL, MAX_INTERVAL)
        .default('24h')
        .describe(
          `How often to sync, as a Go duration from ${MIN_INTERVAL} to ${MAX_INTERVAL} (e.g. 30m, 24h); jittered by ±10%. ` +
            `The ${SYNC_REQUESTED_ANNOTATION} annotation syncs sooner.`,
        ),
      timeout: boundedDuration('timeout', MIN_TIMEOUT, MAX_TIMEOUT)
        .default('60s')
        .describe(
          `Timeout of one sync, and of one download of a version a profile locks, as a Go duration from ${MIN_TIMEOUT} to ${MAX_TIMEOUT}.`,
        ),
      suspend: z.boolean().default(false).describe('Stop syncing; the last catalogue stays as it is.'),
      secretRef: secretReference
        .optional()
        .describe(
          "Credentials: a Secret in the operator's namespace with username/password, token, or .dockerconfigjson.",
        ),
      tls: z
        .object({
          caSecretRef: secretReference.optional().describe('Secret holding ca.crt to trust.'),
          clientCertSecretRef: secretReference
            .optional()
            .describe('Secret holding tls.crt and tls.key for mutual TLS.'),
          insecureSkipVerify: z
            .boolean()
            .default(false)
            .describe('Skip verification of the server certificate. For tests only.'),
        })
        .optional()
        .describe('TLS settings for the connection to the registry.'),
      oci: z
        .object({
          repositories: z
            .array(
              z
                .string()
                .min(1)
                .max(255)
                .regex(/^[a-z0-9]+([._-][a-z0-9]+)*(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/),
            )
            .max(1000)
            .optional()
            .describe('Repository paths to track; when empty, repositories are discovered through /v2/_catalog.'),
          baseContentPath: z
            .string()
            .max(255)
            .optional()
            .describe('Path under the registry where packs live, e.g. spectro-packs.'),
          content: z
            .enum(['helm', 'pack'])
            .default('helm')
            .describe('helm: Helm charts pushed with `helm push`; pack: Palette packs (…/archive/<name>:<version>).'),
        })
        .optional()
        .describe('OCI-specific settings; only for type oci.'),
      filter: z
        .object({
          include: globList.optional().describe('Glob patterns of pack names to keep; all when empty.'),
          exclude: globList.optional().describe('Glob patterns of pack names to drop, applied after include.'),
          prereleases: z
            .boolean()
            .default(true)
            .describe(
              'Keep prerelease versions (e.g. 1.2.0-rc.1) in the catalogue, flagged prerelease: true, so a profile can pin ' +
                'one; resolution still chooses a prerelease only when the expression names one. false leaves them out.',
            ),
          maxVersionsPerPack: z
            .int()
            .min(1)
            .max(10000)
            .optional()
            .describe('Keep only the newest N versions of each pack.'),
        })
        .optional()
        .describe('Which packs and versions to bring into the catalogue.'),
      maxIndexSize: z
        .int()
        .min(1)
        .max(8 * 1024 * 1024 * 1024)
        .default(DEFAULT_MAX_INDEX_SIZE)
        .meta({ format: 'int64' })
        .describe('Refuse an index larger than this many bytes (default 64 MiB).'),
      verify: verifySpec.optional(),
    })
    .describe('Where packs come from.'),
  [
    {
      cel: "self.type != 'oci' || self.url.startsWith('oci://')",
      message: 'oci registries need an oci:// URL',
      fieldPath: '.url',
      holds: (s) => s.type !== 'oci' || s.url.startsWith('oci://'),
    },
    {
      cel: "self.type != 'helm' || self.url.startsWith('https://') || self.url.startsWith('http://')",
      message: 'helm registries need an http:// or https:// URL',
      fieldPath: '.url',
      holds: (s) => s.type !== 'helm' || s.url.startsWith('https://') || s.url.startsWith('http://'),
    },
    {
      // fetch refuses such a URL anyway; say so at admission, before the password is stored in the spec.
      cel: "!self.url.matches('^[a-z]+://[^/?#]*@')",
      message: 'credentials in the URL are not supported: put them in a Secret named by secretRef',
      fieldPath: '.url',
      holds: (s) => !/^[a-z]+:\/\/[^/?#]*@/.test(s.url),
    },
    {
      cel: "self.type == 'oci' || !has(self.oci)",
      message: 'oci settings are only allowed when type is oci',
      fieldPath: '.oci',
      holds: (s) => s.type === 'oci' || s.oci === undefined,
    },
    {
      cel: "!has(self.verify) || (self.verify.provider == 'cosign') == (self.type == 'oci')",
      message: 'verify.provider cosign is for oci registries, helm for helm repositories',
      fieldPath: '.verify.provider',
      holds: (s) => s.verify === undefined || (s.verify.provider === 'cosign') === (s.type === 'oci'),
    },
  ],
);
export type PackRegistrySpec = z.infer<typeof packRegistrySpec>;

export const packRegistryStatus = z
  .object({
    observedGeneration: observedGeneration.optional(),
    conditions: conditions.optional(),
    revision: z.string().optional().describe('sha256 of the content the catalogue was built from.'),
    etag: z.string().optional().describe('ETag of the last index fetched, for conditional requests.'),
    lastSyncTime: timestamp.optional().describe('When the catalogue was last synced successfully.'),
    lastAttemptTime: timestamp.optional().describe('When a sync was last attempted.'),
    nextSyncTime: timestamp.optional().describe('When the next sync is due.'),
    packCount: z.int().min(0).optional().describe('Packs in the catalogue.'),
    versionCount: z.int().min(0).optional().describe('Pack versions in the catalogue.'),
    verification: verificationCounts.optional(),
    skippedVersions: z
      .int()
      .min(0)
      .optional()
      .describe(
        'Versions the last sync left out as unusable: not SemVer, duplicated, or (OCI) neither a chart nor a pack.',
      ),
    lastHandledSyncRequest: z
      .string()
      .optional()
      .describe(`The value of the ${SYNC_REQUESTED_ANNOTATION} annotation last handled.`),
  })
  .describe('Observed state of the registry.');
export type PackRegistryStatus = z.infer<typeof packRegistryStatus>;

/** A registry's name is the packyard.io/registry label of its Packs, and a label value has at most 63 characters. */
export const MAX_REGISTRY_NAME = 63;

export const packRegistry = z.object({
  apiVersion: z.literal('packyard.io/v1alpha1'),
  kind: z.literal(PACKREGISTRY_KIND),
  metadata: objectMeta.extend({ name: z.string().max(MAX_REGISTRY_NAME).optional() }),
  spec: packRegistrySpec,
  status: packRegistryStatus.optional(),
});
export type PackRegistry = z.infer<typeof packRegistry>;
