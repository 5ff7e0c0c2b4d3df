import { pino, type DestinationStream, type Level, type Logger } from 'pino';

export type { Logger };
export { redactUrl } from './redact-url.js';

export const REDACTED = '[REDACTED]';

/** Property paths (as segments) whose values are secret wherever they appear. */
const SECRET_PATHS: readonly (readonly string[])[] = [
  ['password'],
  ['token'],
  ['bearerToken'],
  ['accessToken'],
  ['refreshToken'],
  ['authorization'],
  ['Authorization'],
  ['proxy-authorization'],
  ['cookie'],
  ['set-cookie'],
  ['.dockerconfigjson'],
  ['.dockercfg'],
  ['tls.key'],
  ['ssh-privatekey'],
  ['privateKey'],
  ['tls', 'key'],
];

// pino's `*` matches exactly one level, so each path is repeated under 0..N wildcards: deep enough
// for an error's request options (`err.options.headers.authorization`) and a list of objects.
const MAX_WILDCARD_DEPTH = 4;

function segment(name: string, first: boolean): string {
  if (/^[A-Za-z_$][\w$]*$/.test(name)) return first ? name : `.${name}`;
  return `[${JSON.stringify(name)}]`;
}

export const REDACT_PATHS: readonly string[] = SECRET_PATHS.flatMap((path) =>
  Array.from({ length: MAX_WILDCARD_DEPTH + 1 }, (_, depth) => {
    const prefix = Array.from({ length: depth }, () => '*').join('.');
    return prefix + path.map((name, i) => segment(name, i === 0 && depth === 0)).join('');
  }),
);

// Secret objects are recognised by shape rather than by path: all of `data` and `stringData` is
// secret in a Secret, while the same keys in a ConfigMap are not. Nothing is mutated: objects on the
// way to a Secret are copied (keeping prototype and hidden properties, e.g. an Error's message).
function scrubSecrets(value: unknown, memo = new Map<object, unknown>()): unknown {
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return value;
  if (memo.has(value)) return memo.get(value);
  // Met again before it is finished means a cycle; JSON could not print it anyway.
  memo.set(value, '[Circular]');
  let result: unknown = value;
  if (Array.isArray(value)) {
    const items = value.map((item) => scrubSecrets(item, memo));
    if (items.some((item, i) => item !== value[i])) result = items;
  } else {
    const record = value as Record<string, unknown>;
    const isSecret = record.kind === 'Secret';
    const changed: PropertyDescriptorMap = {};
    for (const [key, child] of Object.entries(record)) {
      const secretData = isSecret && (key === 'data' || key === 'stringData') && child != null;
      const scrubbed = secretData ? REDACTED : scrubSecrets(child, memo);
      if (scrubbed !== child) changed[key] = { value: scrubbed, enumerable: true, writable: true, configurable: true };
    }
    if (Object.keys(changed).length > 0) {
      result = Object.create(Object.getPrototypeOf(record), {
        ...Object.getOwnPropertyDescriptors(record),
        ...changed,
      });
    }
  }
  memo.set(value, result);
  return result;
}

export interface LoggerOptions {
  level?: Level;
  /** The component, e.g. a controller name; appears as `logger` like controller-runtime's. */
  name: string;
}

/**
 * A JSON logger for the operator with secret material redacted: known credential fields at any
 * depth up to MAX_WILDCARD_DEPTH, and Secret data at any depth. Strings are not scanned — pass
 * URLs through redactUrl() before logging them.
 */
export function createLogger({ level = 'info', name }: LoggerOptions, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { logger: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      messageKey: 'msg',
      redact: { paths: [...REDACT_PATHS], censor: REDACTED },
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => scrubSecrets(object) as Record<string, unknown>,
      },
    },
    // Default: synchronous stdout, so the lines just before a crash are not lost in a buffer.
    destination,
  );
}
