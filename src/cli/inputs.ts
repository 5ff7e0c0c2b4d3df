import {
  CLUSTERPROFILE_KIND,
  clusterProfile,
  type ClusterProfileSpec,
  type ClusterProfileStatus,
} from '../api/clusterprofile.js';
import { PACKREGISTRY_KIND, packRegistry } from '../api/packregistry.js';
import type { ValuesSourceLookup, ValuesSourceRef } from '../resolve/values.js';
import type { CliRegistry } from './catalogue.js';
import { credentialsFromEnvironment } from './credentials.js';
import type { Diagnostic } from './diagnostics.js';
import { displayName } from './files.js';
import { diagnoseObject } from './object-checks.js';
import { isPackyardObject, isRecord, loadObjects, type SourcedObject } from './objects.js';

/** Namespace of a profile whose file names none, as kubectl would create it. */
export const DEFAULT_NAMESPACE = 'default';

export interface CliProfile {
  /** `namespace/name`: how locks and messages name the profile. */
  id: string;
  name: string;
  namespace: string;
  /** The spec with the CRD's defaults applied, as the operator sees it. */
  spec: ClusterProfileSpec;
  status?: ClusterProfileStatus;
  source: SourcedObject;
}

export interface Inputs {
  profiles: CliProfile[];
  registries: CliRegistry[];
  /** ConfigMaps and Secrets found in the files, for valuesFrom. */
  others: SourcedObject[];
  diagnostics: Diagnostic[];
}

export const origin = (o: SourcedObject) => `${displayName(o.file)}:${o.line}`;

/**
 * The ClusterProfiles of `profilePaths` and the PackRegistries of both path lists, validated as
 * `packyard validate` does (any problem is a diagnostic, and the caller stops) and defaulted by the
 * same schemas the CRDs are generated from. Duplicates are diagnostics too: which would win is unclear.
 */
export function readInputs(
  profilePaths: readonly string[],
  registryPaths: readonly string[],
  env: NodeJS.ProcessEnv,
): Inputs {
  const fromProfiles = profilePaths.length > 0 ? loadObjects(profilePaths) : { objects: [], errors: [] };
  const fromRegistries = registryPaths.length > 0 ? loadObjects(registryPaths) : { objects: [], errors: [] };
  // A file given twice (as a profile and with --registries) counts once.
  const byOrigin = new Map([...fromProfiles.objects, ...fromRegistries.objects].map((o) => [origin(o), o]));
  const profileOrigins = new Set(fromProfiles.objects.map(origin));
  const all = [...byOrigin.values()];
  const diagnostics: Diagnostic[] = [
    ...new Map(
      [...fromProfiles.errors, ...fromRegistries.errors].map((d) => [`${d.file}:${d.line}:${d.message}`, d]),
    ).values(),
  ];
  const profiles: CliProfile[] = [];
  const registries: CliRegistry[] = [];
  const registryObjects = all.filter((o) => isPackyardObject(o) && o.kind === PACKREGISTRY_KIND);
  const profileObjects = all.filter(
    (o) => isPackyardObject(o) && o.kind === CLUSTERPROFILE_KIND && profileOrigins.has(origin(o)),
  );

  const seen = new Map<string, SourcedObject>();
  /** True for the first object of its name; a second one is a diagnostic. */
  const first = (o: SourcedObject, key: string): boolean => {
    const before = seen.get(key);
    if (!before) {
      seen.set(key, o);
      return true;
    }
    diagnostics.push({
      file: o.file,
      line: o.line,
      kind: o.kind,
      name: o.name,
      message: `defined twice: also at ${origin(before)}`,
    });
    return false;
  };
  for (const o of registryObjects) {
    const problems = diagnoseObject(o);
    diagnostics.push(...problems);
    if (problems.length > 0 || !first(o, `${o.kind}/${o.name}`)) continue;
    const { metadata, spec } = packRegistry.parse(o.object);
    const name = metadata.name!;
    registries.push({ name, spec, origin: origin(o), credentials: () => credentialsFromEnvironment(name, spec, env) });
  }
  for (const o of profileObjects) {
    const problems = diagnoseObject(o);
    diagnostics.push(...problems);
    const namespace = o.namespace ?? DEFAULT_NAMESPACE;
    if (problems.length > 0 || !first(o, `${o.kind}/${namespace}/${o.name}`)) continue;
    const { spec, status } = clusterProfile.parse(o.object);
    profiles.push({
      id: `${namespace}/${o.name}`,
      name: o.name!,
      namespace,
      spec,
      ...(status && { status }),
      source: o,
    });
  }
  const others = all.filter((o) => o.apiVersion === 'v1' && (o.kind === 'ConfigMap' || o.kind === 'Secret'));
  return { profiles, registries, others, diagnostics };
}

/**
 * valuesFrom, offline: the ConfigMaps and Secrets among the files given. One that is not there
 * probably lives only in the cluster, so it is reported once (on `warn`) and read as empty values
 * rather than failing the resolution; a missing key of one that is there fails as on the cluster.
 */
export function valuesFromFiles(
  objects: readonly SourcedObject[],
  warn: (message: string) => void,
): ValuesSourceLookup {
  const warned = new Set<string>();
  return (ref: ValuesSourceRef) => {
    const obj = objects.find(
      (o) => o.kind === ref.kind && o.name === ref.name && (o.namespace ?? DEFAULT_NAMESPACE) === ref.namespace,
    );
    if (!obj) {
      const what = `${ref.kind} ${ref.namespace}/${ref.name}`;
      if (!warned.has(what))
        warn(`warning: valuesFrom ${what} is not among the files given; its values are not checked`);
      warned.add(what);
      return '';
    }
    const data = isRecord(obj.object.data) ? obj.object.data : {};
    const stringData = isRecord(obj.object.stringData) ? obj.object.stringData : {};
    const plain = ref.kind === 'Secret' ? stringData[ref.key] : undefined;
    if (typeof plain === 'string') return plain;
    const raw = data[ref.key];
    if (typeof raw !== 'string') return undefined;
    return ref.kind === 'Secret' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  };
}
