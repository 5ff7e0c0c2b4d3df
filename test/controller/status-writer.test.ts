import { mergePatchFor } from '../../src/controller/status-writer.js';

describe('mergePatchFor', () => {
  it('is empty when nothing changed', () => {
    const status = { observedGeneration: 2, conditions: [{ type: 'Ready', status: 'True' }] };
    expect(mergePatchFor(status, structuredClone(status))).toEqual({});
  });

  it('carries changed keys and nulls removed ones', () => {
    expect(mergePatchFor({ a: 1, b: 2, c: [1] }, { a: 1, c: [2], d: 'x' })).toEqual({ b: null, c: [2], d: 'x' });
  });

  it('treats undefined in the desired status as removal', () => {
    expect(mergePatchFor({ etag: 'x' }, { etag: undefined })).toEqual({ etag: null });
  });
});
