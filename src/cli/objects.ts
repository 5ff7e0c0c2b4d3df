import { GROUP } from '../api/common.js';
import type { Diagnostic } from './diagnostics.js';
import { expandPaths, readText } from './files.js';
import { parseYamlDocuments } from '../resolve/yaml-documents.js';

/** A Kubernetes object read from a file, with where it came from. */
export interface SourcedObject {
  file: string;
  /** Line of the object's first field. */
  line: number;
  object: Record<string, unknown>;
  apiVersion: string;
  kind: string;
  name?: string;
  namespace?: string;
  /** Line of a field of this object (see YamlDocument.lineOf). */
  lineOf(path: readonly PropertyKey[]): number;
}

export interface LoadedObjects {
  files: string[];
  objects: SourcedObject[];
  /** YAML that does not parse. */
  errors: Diagnostic[];
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every Kubernetes object in the files and directories given: multi-document files, and the items
 * of `kind: List` documents (what `kubectl get -o yaml` prints). Documents that are not objects
 * with an apiVersion and a kind (empty ones, plain data) are skipped.
 */
export function loadObjects(paths: readonly string[]): LoadedObjects {
  const files = expandPaths(paths);
  const objects: SourcedObject[] = [];
  const errors: Diagnostic[] = [];
  for (const file of files) {
    const { documents, errors: syntax } = parseYamlDocuments(file, readText(file));
    errors.push(...syntax);
    for (const doc of documents) {
      const add = (value: unknown, prefix: readonly PropertyKey[]) => {
        if (!isRecord(value) || typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') return;
        const metadata = isRecord(value.metadata) ? value.metadata : {};
        const lineOf = (path: readonly PropertyKey[]) => doc.lineOf([...prefix, ...path]);
        objects.push({
          file,
          line: lineOf([]),
          object: value,
          apiVersion: value.apiVersion,
          kind: value.kind,
          ...(typeof metadata.name === 'string' && { name: metadata.name }),
          ...(typeof metadata.namespace === 'string' && { namespace: metadata.namespace }),
          lineOf,
        });
      };
      const value = doc.value;
      if (
        isRecord(value) &&
        value.apiVersion === 'v1' &&
        typeof value.kind === 'string' &&
        value.kind.endsWith('List') &&
        Array.isArray(value.items)
      ) {
        value.items.forEach((item, i) => add(item, ['items', i]));
      } else {
        add(value, []);
      }
    }
  }
  return { files, objects, errors };
}

/** Objects of our API group (packyard.io/…), whatever their kind. */
export function isPackyardObject(o: SourcedObject): boolean {
  return o.apiVersion.split('/')[0] === GROUP;
}
