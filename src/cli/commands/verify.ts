import type { PackSpec, PackVersion } from '../../api/pack.js';
import { closestNames, formatList } from '../../resolve/explain.js';
import { HELP_OPTION, stringValue } from '../args.js';
import { fetchCatalogue, formatFailure, type CliRegistry } from '../catalogue.js';
import type { Command } from '../context.js';
import { formatDiagnostic } from '../diagnostics.js';
import { EXIT, UsageError } from '../exit-codes.js';
import { formatJson, formatYaml, parseOutputFormat } from '../output.js';
import { loadInputs, REGISTRY_OPTIONS } from '../registry-options.js';

export const verifyCommand: Command = {
  spec: {
    name: 'verify',
    summary: "Explain one version's signature check, as the operator makes it",
    usage: '[REGISTRY/]PACK@VERSION (--registries FILE|DIR... | --from-cluster) [flags]',
    description: [
      "Checks the signature of one version with its registry's spec.verify, exactly as the operator does when it",
      'syncs: cosign signatures (the sha256-<digest>.sig tag, or a sigstore bundle referrer) for OCI registries,',
      '<chart>.tgz.prov provenance for Helm repositories. Prints the state (Verified, Unsigned or Failed), the signer,',
      'where the signature was found and why it failed. REGISTRY defaults to the only registry that offers PACK.',
      '',
      "Offline, a registry's keys come from PACKYARD_REGISTRY_<NAME>_VERIFY_KEY_FILE (files separated by commas:",
      'cosign.pub, or a PGP keyring), and for keyless cosign (spec.verify.matchOIDCIdentity) the sigstore TrustedRoot',
      'JSON from PACKYARD_REGISTRY_<NAME>_TRUSTED_ROOT_FILE; with --from-cluster, from the Secret of its',
      'spec.verify.secretRef and the ConfigMap or Secret of its trustedRootRef. A keyless signature prints the identity',
      '(certificate subject and OIDC issuer) that signed.',
      '',
      'Exit status: 0 Verified, 1 Unsigned, Failed or not found, 2 usage error, 4 the registry could not be reached.',
    ].join('\n'),
    options: {
      output: { type: 'string', short: 'o', value: 'FORMAT', description: 'text (default), yaml or json.' },
      ...REGISTRY_OPTIONS,
      ...HELP_OPTION,
    },
    examples: [
      'verify podinfo@6.6.0 -r registries/',
      'PACKYARD_REGISTRY_PACKS_VERIFY_KEY_FILE=cosign.pub packyard verify packs/cni-calico@3.27.0 -r registries.yaml',
      'verify cert-manager@1.14.4 --from-cluster -o yaml',
    ],
  },

  async run(ctx, values, positionals) {
    if (positionals.length !== 1) throw new UsageError('verify needs exactly one [REGISTRY/]PACK@VERSION');
    const ref = parseRef(positionals[0]!);
    const format =
      stringValue(values, 'output') === undefined || stringValue(values, 'output') === 'text'
        ? 'text'
        : parseOutputFormat(stringValue(values, 'output'));
    const inputs = await loadInputs(ctx, values, []);
    if (inputs.diagnostics.length > 0) {
      for (const d of inputs.diagnostics) ctx.err(`${formatDiagnostic(d)}\n`);
      return EXIT.ERRORS;
    }
    if (ref.registry !== undefined && !inputs.registries.some((r) => r.name === ref.registry)) {
      throw new UsageError(`no PackRegistry named ${ref.registry}`);
    }
    const candidates = inputs.registries
      .filter((r) => ref.registry === undefined || r.name === ref.registry)
      .map((r) => narrowed(r, ref.pack));
    const catalogue = await fetchCatalogue(candidates, new Set(candidates.map((r) => r.name)), ctx);
    for (const f of catalogue.failures) ctx.err(`${formatFailure(f)}\n`);
    const offering = [...catalogue.packs.values()].filter((p) => p.name === ref.pack);
    if (offering.length === 0) {
      if (catalogue.failures.length > 0) return EXIT.REGISTRY_UNREACHABLE;
      const near = closestNames(ref.pack, new Set([...catalogue.packs.values()].map((p) => p.name)));
      ctx.err(`error: no registry offers pack ${ref.pack}${near.length ? `; close: ${formatList(near)}` : ''}\n`);
      return EXIT.ERRORS;
    }
    if (offering.length > 1) {
      throw new UsageError(
        `pack ${ref.pack} is offered by ${formatList(offering.map((p) => p.registry))}: name one as REGISTRY/${ref.pack}@${ref.version}`,
      );
    }
    const pack = offering[0]!;
    const version = pack.versions.find((v) => v.version === ref.version);
    if (!version) {
      ctx.err(
        `error: ${pack.registry} lists no version ${ref.version} of ${pack.name}; it has ${formatList(pack.versions.slice(0, 10).map((v) => v.version))}\n`,
      );
      return EXIT.ERRORS;
    }
    const report = reportOf(
      pack,
      version,
      inputs.registries.find((r) => r.name === pack.registry)!,
    );
    ctx.out(format === 'text' ? textOf(report) : format === 'json' ? formatJson(report) : formatYaml(report));
    return version.verification?.state === 'Verified' ? EXIT.OK : EXIT.ERRORS;
  },
};

interface Report {
  registry: string;
  pack: string;
  version: string;
  digest?: string;
  url?: string;
  provider?: string;
  state: string;
  signer?: string;
  method?: string;
  reason?: string;
}

function parseRef(text: string): { registry?: string; pack: string; version: string } {
  const m = /^(?:([a-z0-9][-a-z0-9.]*)\/)?([^@/\s]+)@(\S+)$/.exec(text);
  if (!m) throw new UsageError(`${JSON.stringify(text)} is not [REGISTRY/]PACK@VERSION`);
  return { ...(m[1] !== undefined && { registry: m[1] }), pack: m[2]!, version: m[3]! };
}

/** The registry reduced to one pack, every version kept: a verify checks what it is asked about, not the whole catalogue. */
function narrowed(registry: CliRegistry, pack: string): CliRegistry {
  return { ...registry, spec: { ...registry.spec, filter: { include: [pack], prereleases: true } } };
}

function reportOf(pack: PackSpec, version: PackVersion, registry: CliRegistry): Report {
  const check = version.verification;
  return {
    registry: pack.registry,
    pack: pack.name,
    version: version.version,
    ...(version.digest !== undefined && { digest: version.digest }),
    ...(version.urls?.[0] !== undefined && { url: version.urls[0] }),
    ...(registry.spec.verify && { provider: registry.spec.verify.provider }),
    state: check?.state ?? 'NotChecked',
    ...(check?.signer !== undefined && { signer: check.signer }),
    ...(check?.method !== undefined && { method: check.method }),
    reason:
      check?.reason ?? (check ? undefined : `registry ${pack.registry} does not verify signatures (spec.verify unset)`),
  };
}

function textOf(r: Report): string {
  const lines = [
    `${r.registry}/${r.pack}@${r.version}: ${r.state}`,
    ...(r.digest ? [`  digest:  ${r.digest}`] : []),
    ...(r.url ? [`  url:     ${r.url}`] : []),
    ...(r.provider ? [`  checked: ${r.provider}${r.method ? ` (${r.method})` : ''}`] : []),
    // A keyless signer is an identity (subject and OIDC issuer), not a key.
    ...(r.signer ? [`  ${r.method?.endsWith('-keyless') ? 'identity: ' : 'signer:  '}${r.signer}`] : []),
    ...(r.reason ? [`  reason:  ${r.reason}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
