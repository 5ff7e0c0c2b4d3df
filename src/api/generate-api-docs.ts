// Writes docs/api.md, a field reference of every kind, from the same structural schemas that make the
// CRDs (src/api/crds.ts): `npm run api-docs`. A test fails when docs/api.md drifts from this output.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { API_VERSION, CATEGORY, SEMVER_PATTERN } from './common.js';
import { buildCrd, KINDS } from './crds.js';

interface Schema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: Schema | boolean;
  enum?: unknown[];
  default?: unknown;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  'x-kubernetes-list-type'?: string;
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-validations'?: { rule: string; message?: string }[];
}

interface Row {
  path: string;
  schema: Schema;
  required: boolean;
}

// Patterns that read better by name than as a regular expression.
const NAMED_PATTERNS: Record<string, string> = {
  [SEMVER_PATTERN.source]: 'SemVer 2.0',
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$': 'DNS subdomain (RFC 1123)',
  '^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$': 'Go duration (e.g. `90s`, `1h30m`)',
};

/** The Markdown text docs/api.md must hold. */
export function renderApiDocs(): string {
  const out: string[] = [
    '<!-- Generated from src/api by `npm run api-docs` (src/api/generate-api-docs.ts). Do not edit. -->',
    '# API reference',
    '',
    `Group \`${API_VERSION.split('/')[0]}\`, version \`${API_VERSION.split('/')[1]}\`, category \`${CATEGORY}\` ` +
      `(\`kubectl get ${CATEGORY}\`). Generated from the zod schemas in \`src/api/\`, like the CRDs in \`crds/\`; ` +
      '`kubectl explain <kind>.spec` shows the same descriptions. Condition reasons and their fixes: ' +
      '[troubleshooting.md](troubleshooting.md).',
    '',
    ...KINDS.map((def) => `- [${def.kind}](#${def.kind.toLowerCase()})`),
    '',
  ];
  for (const def of KINDS) {
    const crd = buildCrd(def) as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
    const root = crd.spec.versions[0]!.schema.openAPIV3Schema;
    out.push(
      `## ${def.kind}`,
      '',
      prose(def.description),
      '',
      `\`apiVersion: ${API_VERSION}\` · scope: ${def.scope} · short name${def.shortNames.length > 1 ? 's' : ''}: ` +
        `${def.shortNames.map((s) => `\`${s}\``).join(', ')} · \`kubectl get ${def.plural}\` columns: ` +
        `${def.columns
          .filter((c) => !c.priority)
          .map((c) => c.name)
          .join(', ')} (\`-o wide\` adds ` +
        `${def.columns
          .filter((c) => c.priority)
          .map((c) => c.name)
          .join(', ')})`,
      '',
    );
    for (const part of ['spec', 'status'] as const) {
      const schema = root.properties?.[part];
      if (!schema) continue;
      out.push(`### ${def.kind} ${part}`, '', ...(schema.description ? [prose(schema.description), ''] : []));
      out.push('| Field | Type | Default | Description | Validation |', '|---|---|---|---|---|');
      const rows: Row[] = [];
      walk(schema, part, rows);
      for (const row of rows) {
        out.push(
          `| ${cell(`\`${row.path}\``)} | ${cell(typeOf(row.schema))} | ${cell(defaultOf(row.schema))} | ` +
            `${cell(prose(row.schema.description ?? ''))} | ${cell(validationOf(row))} |`,
        );
      }
      out.push('');
      const rules = collectRules(schema, part);
      if (rules.length) {
        out.push('Rules enforced at admission (CEL):', '');
        for (const r of rules) out.push(`- \`${r.path}\`: ${prose(r.message ?? r.rule)}`);
        out.push('');
      }
    }
  }
  return `${out.join('\n').trimEnd()}\n`;
}

function walk(schema: Schema, path: string, rows: Row[]): void {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const childPath = `${path}.${name}`;
    rows.push({ path: childPath, schema: child, required: schema.required?.includes(name) ?? false });
    if (isConditions(child)) continue;
    if (child.type === 'object') walk(child, childPath, rows);
    if (child.type === 'array' && child.items?.type === 'object') walk(child.items, `${childPath}[]`, rows);
  }
}

/** metav1.Condition lists are documented once, not field by field. */
function isConditions(s: Schema): boolean {
  return s.type === 'array' && !!s.items?.properties?.lastTransitionTime && !!s.items.properties.reason;
}

function typeOf(s: Schema): string {
  if (isConditions(s)) return '[]Condition';
  if (s.type === 'array') return `[]${s.items ? typeOf(s.items) : 'any'}`;
  if (s.type === 'object' && typeof s.additionalProperties === 'object')
    return `map[string]${typeOf(s.additionalProperties)}`;
  return s.format ? `${s.type} (${s.format})` : (s.type ?? 'any');
}

function defaultOf(s: Schema): string {
  return s.default === undefined ? '' : `\`${JSON.stringify(s.default)}\``;
}

function validationOf({ schema: s, required }: Row): string {
  const parts: string[] = [];
  if (required) parts.push('**required**');
  if (s.enum) parts.push(`one of ${s.enum.map((v) => `\`${String(v)}\``).join(', ')}`);
  if (s.pattern) parts.push(NAMED_PATTERNS[s.pattern] ?? `pattern \`${s.pattern}\``);
  parts.push(
    ...range('length', s.minLength, s.maxLength),
    ...range('value', s.minimum, s.maximum),
    ...range('items', s.minItems, s.maxItems),
  );
  if (s['x-kubernetes-list-type'] === 'map')
    parts.push(`unique by ${(s['x-kubernetes-list-map-keys'] ?? []).map((k) => `\`${k}\``).join(', ')}`);
  if (s['x-kubernetes-list-type'] === 'set') parts.push('unique items');
  if (isConditions(s))
    parts.push(
      'each a metav1.Condition: `type`, `status` (True, False, Unknown), `reason`, `message`, `lastTransitionTime`, `observedGeneration`',
    );
  return parts.join('; ');
}

function range(what: string, min: number | undefined, max: number | undefined): string[] {
  if (min !== undefined && max !== undefined) return [`${what} ${min}–${max}`];
  if (min !== undefined) return [`${what} ≥ ${min}`];
  if (max !== undefined) return [`${what} ≤ ${max}`];
  return [];
}

function collectRules(schema: Schema, path: string): { path: string; rule: string; message?: string }[] {
  const rules = (schema['x-kubernetes-validations'] ?? []).map((v) => ({ path, ...v }));
  for (const [name, child] of Object.entries(schema.properties ?? {}))
    rules.push(...collectRules(child, `${path}.${name}`));
  if (schema.items) rules.push(...collectRules(schema.items, `${path}[]`));
  return rules;
}

/** Schema prose as Markdown: angle brackets outside code spans are text, not HTML. */
function prose(text: string): string {
  return text
    .split('`')
    .map((part, i) => (i % 2 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;')))
    .join('`');
}

/** One Markdown table cell: pipes escaped, on one line. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outFile = process.argv[2] ?? 'docs/api.md';
  writeFileSync(outFile, renderApiDocs());
  console.log(`wrote ${outFile}`);
}
