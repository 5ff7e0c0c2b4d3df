import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { isMap, parseDocument } from 'yaml';
import { layer as layerSchema } from '../api/common.js';
import { dependencyBound } from '../resolve/dependencies.js';
import { untarBytes, tarFiles } from '../sources/oci/tar.js';
import { tagVersion } from '../sources/oci/reference.js';
import type { PackEntry } from '../sources/palette/pack-directory.js';
import { packSchemaIssues } from '../sources/palette/pack-schema.js';
import { SourceError } from '../sources/source-error.js';
import type { Diagnostic } from './diagnostics.js';
import { manifestProblems } from '../resolve/manifests.js';
import { parseYamlDocuments, type YamlDocument } from '../resolve/yaml-documents.js';

/** What lint learnt of a pack that passes: what build and push name it by. */
export interface LintedPack {
  name: string;
  version: string;
}

/** JSON and YAML files of a pack are parsed whole: more than this is not a pack's metadata. */
const MAX_PARSED_BYTES = 16 * 1024 * 1024;
/** A chart .tgz inflates to at most this when its Chart.yaml is looked for. */
const MAX_CHART_TAR_BYTES = 256 * 1024 * 1024;
/** An OCI repository path component (distribution's grammar): the pack's name becomes one. */
const REPOSITORY_COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
const KNOWN_LAYERS: ReadonlySet<string> = new Set(layerSchema.options);
const OPTIONAL_YAML = ['presets.yaml', 'schema.yaml'];

/**
 * Checks a pack directory: pack.json against Palette's pack schema, then what the schema cannot say
 * (the layer is one Packyard knows, the name and version can be an OCI repository and tag the sync
 * reads, dependency bounds parse as the resolver reads them, listed charts exist and match their
 * Chart.yaml, listed manifests are Kubernetes YAML, values.yaml and the optional YAML files parse).
 * Problems are located `file:line: field: message`, the file named under `dir` as the user gave it.
 */
export async function lintPack(
  dir: string,
  entries: readonly PackEntry[],
): Promise<{ diagnostics: Diagnostic[]; pack?: LintedPack }> {
  const files = new Map(entries.filter((e) => e.type === 'file').map((e) => [e.path, e]));
  const out: Diagnostic[] = [];
  const at = (path: string) => join(dir, path);
  const problem = (path: string, line: number, field: string | undefined, message: string, warning = false) =>
    out.push({
      file: at(path),
      line,
      ...(field !== undefined && { field }),
      message,
      ...(warning && { severity: 'warning' as const }),
    });

  const read = async (path: string): Promise<string | undefined> => {
    const entry = files.get(path);
    if (!entry) return undefined;
    if (entry.size > MAX_PARSED_BYTES) {
      problem(
        path,
        1,
        undefined,
        `${entry.size} bytes is more than the ${MAX_PARSED_BYTES} bytes a pack's JSON or YAML file may have`,
      );
      return undefined;
    }
    return readFile(entry.source, 'utf8');
  };

  // values.yaml and the optional YAML files: they parse, and hold a map.
  if (!files.has('values.yaml'))
    problem('values.yaml', 1, undefined, 'missing: a pack needs values.yaml (it may be empty)');
  for (const path of ['values.yaml', ...OPTIONAL_YAML]) {
    const content = await read(path);
    if (content !== undefined) checkYamlMap(path, content, problem);
  }

  const text = await read('pack.json');
  if (text === undefined) {
    if (!files.has('pack.json')) problem('pack.json', 1, undefined, 'missing: a pack directory needs pack.json');
    return { diagnostics: out };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    problem('pack.json', jsonErrorLine(text, (e as Error).message), undefined, `not JSON: ${(e as Error).message}`);
    return { diagnostics: out };
  }
  // JSON is YAML: the YAML parser keeps positions, so each field's line comes from the same file.
  const doc: YamlDocument | undefined = parseYamlDocuments(at('pack.json'), text).documents[0];
  const lineOf = (path: readonly (string | number)[]) => doc?.lineOf(path) ?? 1;
  const field = (path: readonly (string | number)[]) =>
    path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
  const jsonProblem = (path: (string | number)[], message: string, warning = false) =>
    problem('pack.json', lineOf(path), field(path), message, warning);

  const schemaIssues = packSchemaIssues(json);
  for (const issue of schemaIssues) jsonProblem(issue.path, issue.message);
  const flagged = new Set(schemaIssues.map((i) => field(i.path)));
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { diagnostics: out };
  const pack = json as Record<string, unknown>;

  const knownLayer = (path: (string | number)[], value: unknown) => {
    if (typeof value === 'string' && !flagged.has(field(path)) && !KNOWN_LAYERS.has(value)) {
      jsonProblem(
        path,
        `Packyard does not know layer ${JSON.stringify(value)} (it knows ${[...KNOWN_LAYERS].join(', ')})`,
      );
    }
  };
  knownLayer(['layer'], pack.layer);
  if (typeof pack.name === 'string' && pack.name !== '' && !REPOSITORY_COMPONENT.test(pack.name)) {
    jsonProblem(
      ['name'],
      `${JSON.stringify(pack.name)} cannot be an OCI repository name (lower-case letters and digits, separated by ".", "_" or "-")`,
    );
  }
  if (typeof pack.version === 'string' && pack.version !== '' && !tagVersion(pack.version.replaceAll('+', '_'))) {
    jsonProblem(
      ['version'],
      `${JSON.stringify(pack.version)} is not a version a registry sync can read (SemVer as Helm reads it: 1.2.3, v1.2, 1.2.3-rc.1)`,
    );
  }

  const constraints = isRecord(pack.constraints) ? pack.constraints : {};
  (Array.isArray(constraints.dependencies) ? constraints.dependencies : []).forEach((dep: unknown, i) => {
    if (!isRecord(dep)) return;
    const base = ['constraints', 'dependencies', i];
    knownLayer([...base, 'layer'], dep.layer);
    for (const bound of ['minVersion', 'maxVersion'] as const) {
      const value = dep[bound];
      if (typeof value === 'string' && dependencyBound(value) === 'invalid') {
        jsonProblem([...base, bound], `${JSON.stringify(value)} is not a version`);
      }
    }
  });

  const listed = valuesCharts(await read('values.yaml'));
  for (const [i, chart] of (Array.isArray(pack.charts) ? pack.charts : []).entries()) {
    if (typeof chart !== 'string') continue;
    for (const { message, warning } of await checkChart(chart, files, listed)) {
      jsonProblem(['charts', i], message, warning);
    }
  }
  for (const [i, manifest] of (Array.isArray(pack.kubeManifests) ? pack.kubeManifests : []).entries()) {
    if (typeof manifest !== 'string') continue;
    const path = normalise(manifest);
    if (!files.has(path)) {
      jsonProblem(['kubeManifests', i], `${manifest} is not a file of the pack`);
      continue;
    }
    const content = await read(path);
    if (content !== undefined) checkManifest(path, content, problem);
  }

  const ok = !out.some(isProblem) && typeof pack.name === 'string' && typeof pack.version === 'string';
  return { diagnostics: out, ...(ok && { pack: { name: pack.name as string, version: pack.version as string } }) };
}

type Problem = (path: string, line: number, field: string | undefined, message: string) => void;

function checkYamlMap(path: string, text: string, problem: Problem): void {
  const { documents, errors } = parseYamlDocuments(path, text);
  for (const e of errors) problem(path, e.line, undefined, e.message);
  if (errors.length > 0) return;
  if (documents.length > 1) problem(path, documents[1]!.line, undefined, 'holds more than one YAML document');
  const first = documents[0];
  if (first && !isRecord(first.value)) problem(path, first.line, undefined, 'must be a YAML map');
}

/** Each document of a listed manifest is a Kubernetes object (manifestProblems). */
function checkManifest(path: string, text: string, problem: Problem): void {
  for (const p of manifestProblems(path, text)) problem(path, p.line, p.field, p.message);
}

interface ChartId {
  name: string;
  version: string;
}

/** The charts values.yaml declares in `pack.content.charts[] {repo, name, version}` (Palette's image and chart inventory). */
function valuesCharts(text: string | undefined): ChartId[] | undefined {
  if (text === undefined) return undefined;
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  const charts = (doc.toJS() as { pack?: { content?: { charts?: unknown } } } | null)?.pack?.content?.charts;
  if (!Array.isArray(charts)) return undefined;
  return charts.filter(isRecord).map((c) => ({ name: String(c.name), version: String(c.version) }));
}

/**
 * A listed chart is a Helm chart archive of the pack (`<chart>/Chart.yaml` inside) whose name and
 * version agree with its file name, when that names a version (`helm package` writes
 * `<name>-<version>.tgz`; pack-central also has `<name>.tgz`), and with values.yaml's
 * `pack.content.charts`, when that lists charts.
 */
async function checkChart(
  chart: string,
  files: ReadonlyMap<string, PackEntry>,
  listed: ChartId[] | undefined,
): Promise<{ message: string; warning?: boolean }[]> {
  const entry = files.get(normalise(chart));
  if (!entry) return [{ message: `${chart} is not a file of the pack` }];
  let tar: Buffer;
  try {
    tar = await untarBytes(await readFile(entry.source), MAX_CHART_TAR_BYTES);
  } catch (e) {
    if (e instanceof SourceError) return [{ message: `${chart}: ${e.message}` }];
    throw e;
  }
  // Helm drops each path's first component: `<chart>/Chart.yaml`, or `./Chart.yaml` in an archive made
  // with `tar czf x.tgz .` inside the chart (pack-central's consul-k8s 1.3.0; tarFiles drops the `./`).
  const found = [...tarFiles(tar, (p) => /^([^/]+\/)?Chart\.yaml$/.test(p)).values()][0];
  if (!found) return [{ message: `${chart} is not a Helm chart archive (no <chart>/Chart.yaml inside)` }];
  const meta = parseDocument(found.toString('utf8'));
  const contents =
    meta.errors.length === 0 && isMap(meta.contents) ? (meta.toJS() as Record<string, unknown>) : undefined;
  if (!contents) return [{ message: `${chart}: its Chart.yaml is not a YAML map` }];
  const { name, version } = contents;
  if (typeof name !== 'string' || typeof version !== 'string')
    return [{ message: `${chart}: its Chart.yaml has no name or version` }];
  // Palette deploys the archive whatever its file is called and whatever values.yaml's inventory says
  // (pack-central publishes 25 packs that differ so): advice, not a problem.
  const problems: { message: string; warning: boolean }[] = [];
  const file = basename(chart);
  if (file.startsWith(`${name}-`) && file !== `${name}-${version}.tgz`) {
    problems.push({
      message: `${chart} holds chart ${name} ${version} (Chart.yaml), so it should be named ${name}-${version}.tgz`,
      warning: true,
    });
  }
  if (listed && !listed.some((c) => c.name === name && c.version === version)) {
    const names = listed.map((c) => `${c.name} ${c.version}`).join(', ') || 'none';
    problems.push({
      message: `${chart} holds chart ${name} ${version} (Chart.yaml), which values.yaml pack.content.charts does not list (it lists ${names})`,
      warning: true,
    });
  }
  return problems;
}

/** `./charts/x.tgz` and `charts/x.tgz` name the same file. */
function normalise(path: string): string {
  return path.replace(/^(\.\/)+/, '');
}

/** The line of a JSON.parse error: V8 says `(line N column M)` or `at position P`. */
function jsonErrorLine(text: string, message: string): number {
  const line = /\(line (\d+) column \d+\)/.exec(message)?.[1];
  if (line) return Number(line);
  const position = /at position (\d+)/.exec(message)?.[1];
  return position ? text.slice(0, Number(position)).split('\n').length : 1;
}

/** A diagnostic that fails lint (and so build and push): anything but a warning. */
export function isProblem(d: Diagnostic): boolean {
  return d.severity !== 'warning';
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
