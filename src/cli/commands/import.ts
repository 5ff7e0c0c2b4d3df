import { readFileSync } from 'node:fs';
import { HELP_OPTION, listValue } from '../args.js';
import type { Command } from '../context.js';
import { CliError, EXIT, UsageError } from '../exit-codes.js';
import { formatYaml } from '../output.js';
import { ImportError, importPaletteProfile, type ImportProblem } from '../palette-import.js';
import { plural } from '../../api/plural.js';
import { isMap } from '../../resolve/values-tree.js';
import { parseYamlDocuments } from '../../resolve/yaml-documents.js';

const SOURCES = ['palette'] as const;

export const importCommand: Command = {
  spec: {
    name: 'import',
    summary: 'Turn a Palette cluster-profile export into a ClusterProfile',
    usage: 'palette EXPORT.json [--registry-map PALETTE=PACKYARD]... [flags]',
    description: [
      "Reads a Palette cluster-profile export (Palette's Export, or its API's JSON or YAML; `-` reads stdin) and prints",
      "the ClusterProfile YAML: layers in order, each pack's tag (1.25.x) as its version expression (its exact",
      'version when it has no tag), values kept, manifest layers as manifest packs, Palette registries mapped',
      'to PackRegistries by name with --registry-map, the cloud type as an annotation.',
      '',
      'Every part that finds no home is reported on stderr as `EXPORT: path: message`, never dropped silently;',
      'notes say what was renamed or kept elsewhere.',
      '',
      'Exit status: 0 imported in full, 1 imported with unmapped parts (the YAML is still printed) or the file is',
      'not an export, 2 usage error.',
    ].join('\n'),
    options: {
      'registry-map': {
        type: 'string',
        multiple: true,
        value: 'PALETTE=PACKYARD',
        description:
          'Use PackRegistry PACKYARD for packs of the Palette registry named PALETTE (registry.metadata.name).',
      },
      ...HELP_OPTION,
    },
    examples: [
      "import palette profile-export.json --registry-map 'Public Repo=palette-public' > profile.yaml",
      "import palette export.json --registry-map 'Public Repo=palette-public' | packyard validate -",
    ],
  },

  async run(ctx, values, positionals) {
    const [source, path, ...extra] = positionals;
    if (source === undefined) throw new UsageError(`import needs a source (${SOURCES.join(', ')}) and an EXPORT file`);
    if (!(SOURCES as readonly string[]).includes(source))
      throw new UsageError(`unknown import source "${source}": only ${SOURCES.join(', ')}`);
    if (path === undefined) throw new UsageError('import palette needs an EXPORT file (- for stdin)');
    if (extra.length > 0) throw new UsageError(`import palette takes one EXPORT file, got ${positionals.length - 1}`);
    const registryMap = parseRegistryMap(listValue(values, 'registry-map'));

    let text: string;
    try {
      text = readFileSync(path === '-' ? 0 : path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    const exported = parseExport(text, path);
    let result;
    try {
      result = importPaletteProfile(exported, registryMap);
    } catch (e) {
      if (e instanceof ImportError) throw new CliError(`${path}: ${e.message}`);
      throw e;
    }
    const where = path === '-' ? '<stdin>' : path;
    const line = (kind: string, p: ImportProblem) => `${where}: ${kind}${p.path}: ${p.message}\n`;
    for (const n of result.notes) ctx.err(line('note: ', n));
    for (const u of result.unmapped) ctx.err(line('', u));
    const packs = (result.profile.spec as { packs: { registry?: string }[] }).packs;
    const used = new Set(packs.map((p) => p.registry));
    for (const [from, to] of registryMap)
      if (!used.has(to)) ctx.err(`${where}: note: --registry-map '${from}=${to}' matched no pack\n`);
    ctx.out(formatYaml(result.profile));
    if (result.unmapped.length > 0) {
      ctx.err(`${plural(result.unmapped.length, 'part')} of ${where} could not be mapped (listed above)\n`);
      return EXIT.ERRORS;
    }
    return EXIT.OK;
  },
};

/**
 * The export as JSON, which Palette's Export writes, or else as YAML, which its API writes on
 * `GET /v1/clusterprofiles/{uid}/export?format=yaml` (and reads back on import). A file that is
 * neither is refused with JSON's complaint, since JSON is what an export usually is.
 */
function parseExport(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const value = yamlMap(text);
    if (value !== undefined) return value;
    throw new CliError(`${path}: not JSON (nor a YAML map): ${(e as Error).message}`);
  }
}

function yamlMap(text: string): Record<string, unknown> | undefined {
  const { documents, errors } = parseYamlDocuments('', text);
  const value = errors.length === 0 && documents.length === 1 ? documents[0]!.value : undefined;
  return isMap(value) ? value : undefined;
}

/** `Public Repo=palette-public`: split at the last `=`, since PackRegistry names cannot hold one and Palette names may. */
function parseRegistryMap(entries: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const from = entry.slice(0, at);
    const to = entry.slice(at + 1);
    if (at <= 0 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(to)) {
      throw new UsageError(
        `--registry-map ${JSON.stringify(entry)}: expected PALETTE=PACKYARD, PACKYARD a PackRegistry name`,
      );
    }
    if (map.has(from) && map.get(from) !== to)
      throw new UsageError(`--registry-map maps ${JSON.stringify(from)} twice`);
    map.set(from, to);
  }
  return map;
}
