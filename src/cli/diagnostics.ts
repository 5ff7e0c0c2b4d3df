import { displayName } from './files.js';

/** One problem found in the input, located as precisely as the input allows. */
export interface Diagnostic {
  file: string;
  line: number;
  kind?: string;
  name?: string;
  namespace?: string;
  /** The field in the apiserver's notation, e.g. spec.packs[1].version. */
  field?: string;
  /** A resolution failure's reason (NoMatchingVersion, …), when it is one. */
  reason?: string;
  message: string;
  /** What found it: YAML syntax, the CRD's admission rules, or the resolver (static checks and resolution). */
  check?: 'syntax' | 'admission' | 'resolver';
  /** Advice on input Palette accepts as it is: printed, and it fails nothing. Absent for a problem. */
  severity?: 'warning';
}

/** `file:line: Kind/name: field.path: message`, the shape editors and CI annotations understand. */
export function formatDiagnostic(d: Diagnostic): string {
  const parts = [`${displayName(d.file)}:${d.line}`];
  if (d.kind) parts.push(`${d.kind}/${d.name ?? '<unnamed>'}`);
  if (d.field) parts.push(d.field);
  if (d.reason) parts.push(d.reason);
  parts.push(d.severity === 'warning' ? `warning: ${d.message}` : d.message);
  return parts.join(': ');
}

/** The JSON form: the same fields, file named as in the text form. */
export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return { ...d, file: displayName(d.file) };
}
