// Charts with values schemas, packaged by the real helm CLI: a parent with a draft-07 schema using
// $ref, a subchart as a directory with a 2020-12 schema, and a subchart vendored as a nested .tgz
// (as `helm dependency build` leaves it). Shared by the content, values, reconciler and CLI tests.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageChart, type ChartSpec } from './helm-charts.js';

export const WEB_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  required: ['replicaCount', 'image'],
  definitions: {
    port: { type: 'integer', minimum: 1, maximum: 65535 },
  },
  properties: {
    replicaCount: { type: 'integer', minimum: 1 },
    image: {
      type: 'object',
      required: ['repository'],
      properties: {
        repository: { type: 'string', minLength: 1 },
        tag: { type: 'string' },
        pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
      },
    },
    service: { type: 'object', properties: { port: { $ref: '#/definitions/port' } } },
  },
};

export const DB_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  $defs: { size: { type: 'string', pattern: '^[0-9]+Gi$' } },
  properties: {
    storage: { $ref: '#/$defs/size' },
    users: { type: 'array', prefixItems: [{ const: 'admin' }], items: { type: 'string' } },
  },
  dependentRequired: { password: ['user'] },
};

export const CACHE_SCHEMA = {
  type: 'object',
  properties: { maxMemory: { type: 'integer', minimum: 16 } },
  required: ['maxMemory'],
};

/** The web chart at `version`, with its two subcharts vendored; packaged into `dir` by helm. */
export function webChart(version: string): ChartSpec {
  const cacheTgz = packageChart(
    {
      name: 'cache',
      version: '0.1.0',
      files: { 'values.yaml': 'maxMemory: 64\n', 'values.schema.json': JSON.stringify(CACHE_SCHEMA) },
    },
    mkdtempSync(join(tmpdir(), 'packyard-cache-chart-')),
  );
  return {
    name: 'web',
    version,
    dependencies: [
      { name: 'db', version: '1.0.0', condition: 'db.enabled' },
      { name: 'cache', version: '0.1.0', alias: 'redis' },
    ],
    files: {
      'values.yaml':
        'replicaCount: 1\nimage:\n  repository: nginx\n  tag: "1.25"\nservice:\n  port: 80\ndb:\n  enabled: true\n',
      'values.schema.json': JSON.stringify(WEB_SCHEMA, null, 2),
      'charts/db/Chart.yaml': 'apiVersion: v2\nname: db\nversion: 1.0.0\n',
      'charts/db/values.yaml': 'storage: 10Gi\nusers: [admin]\n',
      'charts/db/values.schema.json': JSON.stringify(DB_SCHEMA),
      'charts/db/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-db\n',
      'charts/cache-0.1.0.tgz': readFileSync(cacheTgz),
    },
  };
}
