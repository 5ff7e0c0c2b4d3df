import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Node } from 'yaml';

/** One YAML document of a file, with what is needed to point at its lines. */
export interface YamlDocument {
  /** The file as the user named it (or `<stdin>`). */
  file: string;
  /** 1-based line of the document's first content (after any `---` and leading comments). */
  line: number;
  /** The document as plain data; empty documents are left out. */
  value: unknown;
  /**
   * The 1-based line of the deepest node of `path` that exists (the key's line for map entries),
   * or the document's line when none does. Paths are zod/JSON paths: ['spec', 'packs', 1, 'version'].
   */
  lineOf(path: readonly PropertyKey[]): number;
}

export interface YamlSyntaxError {
  file: string;
  line: number;
  message: string;
  check: 'syntax';
}

/** Aliases may expand to at most this many nodes: a "billion laughs" file is an error, not a hang. */
const MAX_ALIAS_COUNT = 1000;

/**
 * Splits a YAML stream into its documents, keeping line numbers. Merge keys (`<<`) are honoured as
 * kubectl does; duplicate keys are errors, as they almost always are mistakes.
 */
export function parseYamlDocuments(
  file: string,
  text: string,
): { documents: YamlDocument[]; errors: YamlSyntaxError[] } {
  const lineCounter = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: false });
  const documents: YamlDocument[] = [];
  const errors: YamlSyntaxError[] = [];
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  for (const doc of Array.isArray(parsed) ? parsed : []) {
    if (doc.errors.length > 0) {
      for (const e of doc.errors)
        errors.push({ file, line: lineAt(e.pos[0]), message: firstLine(e.message), check: 'syntax' });
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      errors.push({ file, line: lineAt(doc.range[0]), message: firstLine((e as Error).message), check: 'syntax' });
      continue;
    }
    if (value === null || value === undefined) continue; // an empty document (`---` at the end, comments only)
    const contents = doc.contents as Node | null;
    const line = lineAt(contents?.range?.[0] ?? doc.range[0]);
    documents.push({
      file,
      line,
      value,
      lineOf(path) {
        let node: unknown = contents;
        let found = line;
        for (const part of path) {
          if (isMap(node)) {
            const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === part);
            if (!pair) break;
            const keyRange = (pair.key as Node | null)?.range;
            if (keyRange) found = lineAt(keyRange[0]);
            node = pair.value;
          } else if (isSeq(node) && typeof part === 'number') {
            const item = node.items[part] as Node | undefined;
            if (!item) break;
            if (item.range) found = lineAt(item.range[0]);
            node = item;
          } else {
            break;
          }
        }
        return found;
      },
    });
  }
  return { documents, errors };
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}
