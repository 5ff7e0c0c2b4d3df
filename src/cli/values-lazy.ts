import type { ValuesSourceLookup } from '../resolve/values.js';
import type { CliRegistry } from './catalogue.js';
import type { CliContext } from './context.js';
import type { ProfileOutcome } from './resolution.js';

/**
 * The values step (values-check.ts) for the profiles that resolved, its code imported only then: a
 * run where nothing resolves (an unreachable registry) loads no archive reader or schema validator.
 */
export async function withValues(
  outcomes: readonly ProfileOutcome[],
  registries: readonly CliRegistry[],
  valuesSources: ValuesSourceLookup,
  ctx: Pick<CliContext, 'env' | 'signal'>,
): Promise<ProfileOutcome[]> {
  if (!outcomes.some((o) => o.result.ok)) return [...outcomes];
  const { cliContentSource, withValues: check } = await import('./values-check.js');
  return check(outcomes, registries, valuesSources, cliContentSource(ctx.env), ctx.signal);
}
