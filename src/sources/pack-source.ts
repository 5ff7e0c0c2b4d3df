import type { PackRegistrySpec } from '../api/packregistry.js';
import type { SyncResult } from './catalog.js';
import type { VerifyMaterial } from './verify/verify-material.js';

/** Credentials and TLS material resolved from the registry's Secret references. */
export interface SourceCredentials {
  auth?: { username: string; password: string } | { token: string };
  tls?: { ca?: string; cert?: string; key?: string; insecureSkipVerify?: boolean };
  /** Public keys of spec.verify. */
  verify?: VerifyMaterial;
}

export interface SyncRequest {
  registryName: string;
  spec: PackRegistrySpec;
  credentials: SourceCredentials;
  /** What the last successful sync saw, for conditional requests and unchanged-content detection. */
  previous: { revision?: string; etag?: string; lastModified?: string };
  /** The registry's spec.timeout for one sync. */
  timeoutMs: number;
  /** Aborts when the operator shuts down. */
  signal: AbortSignal;
}

/** A kind of registry (Helm repository, OCI registry) that can produce a catalogue. */
export interface PackSource {
  sync(request: SyncRequest): Promise<SyncResult>;
}
