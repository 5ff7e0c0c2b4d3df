import { KubeApiError } from '../../src/controller/kube-client.js';
import { withSummary } from '../../src/controller/summarize.js';

/** Hooks that record what happened, in order. */
function recorder(summarizeFails: boolean | Error = false) {
  const seen: string[] = [];
  return {
    seen,
    hooks: {
      unexpected: (err: unknown) => seen.push(`unexpected ${(err as Error).message}`),
      summarize: async () => {
        seen.push('summarize');
        if (summarizeFails) throw summarizeFails instanceof Error ? summarizeFails : new Error('status write refused');
      },
      log: { warn: (fields: object, msg: string) => seen.push(`warn ${msg} ${JSON.stringify(fields)}`) },
      object: { registry: 'charts' },
    },
  };
}

describe('withSummary', () => {
  it('summarizes after the steps and returns their result', async () => {
    const { seen, hooks } = recorder();
    await expect(withSummary(async () => 42, hooks)).resolves.toBe(42);
    expect(seen).toEqual(['summarize']);
  });

  it('shows an unexpected error to summarize, then rethrows it for the queue', async () => {
    const { seen, hooks } = recorder();
    await expect(withSummary(async () => Promise.reject(new Error('boom')), hooks)).rejects.toThrow('boom');
    expect(seen).toEqual(['unexpected boom', 'summarize']);
  });

  it('fails the reconcile when summarize fails after steps that succeeded', async () => {
    const { hooks } = recorder(true);
    await expect(withSummary(async () => 42, hooks)).rejects.toThrow('status write refused');
  });

  it('reports the original error, and logs its own, when summarize fails after an unexpected error', async () => {
    const { seen, hooks } = recorder(true);
    await expect(withSummary(async () => Promise.reject(new Error('boom')), hooks)).rejects.toThrow('boom');
    expect(seen).toEqual([
      'unexpected boom',
      'summarize',
      'warn could not write status {"registry":"charts","err":"status write refused"}',
    ]);
  });

  it('is no failure when the object was deleted meanwhile (its status write answers 404)', async () => {
    const { seen, hooks } = recorder(new KubeApiError(404, 'NotFound', 'packregistries "charts" not found'));
    await expect(withSummary(async () => 42, hooks)).resolves.toBe(42);
    expect(seen).toEqual(['summarize']);
  });
});
