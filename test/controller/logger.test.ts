import { Writable } from 'node:stream';
import { createLogger, REDACTED, redactUrl } from '../../src/controller/logger.js';

const SECRET = 's3cr3t-value';

function memoryLogger(level: 'info' | 'debug' = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  const logger = createLogger({ level, name: 'test' }, stream);
  // pino writes to a plain stream synchronously, so lines are there as soon as the call returns.
  return { logger, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createLogger', () => {
  it('writes JSON with a level label, an ISO time and the logger name', () => {
    const { logger, records } = memoryLogger();
    logger.info({ key: 'default/p' }, 'reconciled');
    logger.debug('hidden');
    expect(records()).toEqual([
      expect.objectContaining({
        level: 'info',
        logger: 'test',
        key: 'default/p',
        msg: 'reconciled',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      }),
    ]);
  });

  it.each([
    ['password', { password: SECRET }],
    ['token', { registry: { token: SECRET } }],
    ['authorization header', { headers: { authorization: `Bearer ${SECRET}` } }],
    ['Authorization header, deeper', { req: { options: { headers: { Authorization: `Basic ${SECRET}` } } } }],
    ['.dockerconfigjson', { secretData: { '.dockerconfigjson': SECRET } }],
    ['tls.key', { files: { 'tls.key': SECRET } }],
    ['tls: { key }', { client: { tls: { key: SECRET, cert: 'public' } } }],
    ['inside a list', { registries: [{ password: SECRET }] }],
    ['Secret data', { object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'c' }, data: { any: SECRET } } }],
    ['Secret stringData, deeper', { event: { old: { kind: 'Secret', stringData: { x: SECRET } } } }],
  ])('never writes a secret: %s', (_name, fields) => {
    const { logger, lines } = memoryLogger();
    logger.info(fields, 'event');
    logger.child(fields).info('child bindings');
    expect(lines).toHaveLength(2);
    expect(lines[0]).not.toContain(SECRET);
    expect(lines[0]).toContain(REDACTED);
  });

  it('redacts credentials attached to a logged error and keeps its message', () => {
    const { logger, records } = memoryLogger();
    const err = Object.assign(new Error('request failed'), {
      options: { headers: { authorization: `Bearer ${SECRET}` } },
    });
    logger.error({ err }, 'sync failed');
    const [record] = records();
    expect(JSON.stringify(record)).not.toContain(SECRET);
    expect(record?.err).toMatchObject({ message: 'request failed', type: 'Error' });
  });

  it('redacts a Secret met twice or through a cycle', () => {
    const { logger, lines } = memoryLogger();
    const secret: Record<string, unknown> = { kind: 'Secret', data: { password: SECRET } };
    secret.self = secret;
    logger.info({ first: secret, again: { secret } }, 'twice');
    expect(lines[0]).not.toContain(SECRET);
  });

  it('keeps ConfigMap data, and does not modify the logged object', () => {
    const { logger, records } = memoryLogger();
    const secret = { kind: 'Secret', data: { password: SECRET } };
    logger.info({ configMap: { kind: 'ConfigMap', data: { values: 'replicas: 2' } }, secret }, 'objects');
    expect(records()[0]).toMatchObject({ configMap: { data: { values: 'replicas: 2' } }, secret: { data: REDACTED } });
    expect(secret.data.password).toBe(SECRET);
  });
});

describe('redactUrl', () => {
  it.each([
    ['https://user:pa55@charts.example.com/index.yaml', 'https://charts.example.com/index.yaml'],
    ['oci://robot:pa55@registry.example.com/packs', 'oci://registry.example.com/packs'],
    ['https://x.example.com/i.yaml?token=abc&page=2', 'https://x.example.com/i.yaml?token=REDACTED&page=2'],
    [
      'https://s3.example.com/o?X-Amz-Signature=abc&X-Amz-Date=1',
      'https://s3.example.com/o?X-Amz-Signature=REDACTED&X-Amz-Date=1',
    ],
    ['https://charts.example.com/index.yaml', 'https://charts.example.com/index.yaml'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('strips userinfo even from something that does not parse as a URL', () => {
    expect(redactUrl('registry //user:pa55@host:bad-port/x')).toBe('registry //host:bad-port/x');
    expect(redactUrl('//user:p@55@host:bad-port/x')).toBe('//host:bad-port/x');
  });
});
