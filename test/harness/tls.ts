import { createCertificateAuthority, type IssueOptions, type KeyPair } from '../../src/local/pki.js';

export type { IssueOptions, KeyPair };

/** A throwaway CA plus a loopback server cert and a client cert it issued. */
export interface TestPki {
  ca: KeyPair;
  /** CN=localhost, SAN IP:127.0.0.1 and DNS:localhost. */
  server: KeyPair;
  /** CN=packyard-test-client, clientAuth. */
  client: KeyPair;
  /** Issues another certificate from the same CA. */
  issue(opts: IssueOptions): Promise<KeyPair>;
}

/** Generates a fresh CA, server and client certificate (EC P-256) with the openssl CLI. */
export async function createTestPki(caName = 'packyard-test-ca'): Promise<TestPki> {
  const { ca, issue } = await createCertificateAuthority(caName);
  const [server, client] = await Promise.all([
    issue({ cn: 'localhost', usage: 'server' }),
    issue({ cn: 'packyard-test-client', usage: 'client' }),
  ]);
  return { ca, server, client, issue };
}
