import {
  getCondition,
  isTrue,
  readyConditions,
  removeCondition,
  setCondition,
  statusChanged,
  type Condition,
  type ReadyPhase,
} from '../../src/controller/conditions.js';

const t0 = new Date('2025-01-01T00:00:00.250Z');
const t1 = new Date('2025-01-01T00:05:00Z');

describe('setCondition', () => {
  it('adds a condition stamped with the generation and a whole-second time', () => {
    const conditions = setCondition([], { type: 'Ready', status: 'True', reason: 'Synced', message: 'ok' }, 3, t0);
    expect(conditions).toEqual([
      {
        type: 'Ready',
        status: 'True',
        observedGeneration: 3,
        lastTransitionTime: '2025-01-01T00:00:00Z',
        reason: 'Synced',
        message: 'ok',
      },
    ]);
  });

  it('keeps lastTransitionTime when only the message changes', () => {
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'Timeout', message: 'attempt 1' }, 1, t0);
    const after = setCondition(
      before,
      { type: 'Ready', status: 'False', reason: 'Timeout', message: 'attempt 2' },
      1,
      t1,
    );
    expect(getCondition(after, 'Ready')).toMatchObject({
      message: 'attempt 2',
      lastTransitionTime: '2025-01-01T00:00:00Z',
    });
  });

  it('keeps lastTransitionTime when the reason or generation changes but the status does not', () => {
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'Timeout', message: 'm' }, 1, t0);
    const after = setCondition(before, { type: 'Ready', status: 'False', reason: 'NotFound', message: 'm' }, 2, t1);
    expect(getCondition(after, 'Ready')).toMatchObject({
      reason: 'NotFound',
      observedGeneration: 2,
      lastTransitionTime: '2025-01-01T00:00:00Z',
    });
  });

  it('moves lastTransitionTime when the status changes', () => {
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'Timeout', message: 'm' }, 1, t0);
    const after = setCondition(before, { type: 'Ready', status: 'True', reason: 'Synced', message: 'm' }, 1, t1);
    expect(getCondition(after, 'Ready')?.lastTransitionTime).toBe('2025-01-01T00:05:00Z');
  });

  it('returns a new array and leaves its input alone', () => {
    const before = setCondition([], { type: 'Ready', status: 'False', reason: 'Timeout', message: 'm' }, 1, t0);
    const frozen = structuredClone(before);
    setCondition(before, { type: 'Ready', status: 'True', reason: 'Synced', message: 'm' }, 2, t1);
    expect(before).toEqual(frozen);
  });

  it('sorts Ready, Reconciling, Stalled first, then the rest by type', () => {
    let conditions: Condition[] = [];
    for (const type of ['Stalled', 'Resolved', 'Reconciling', 'Accepted', 'Ready']) {
      conditions = setCondition(conditions, { type, status: 'True', reason: 'R', message: '' }, 1, t0);
    }
    expect(conditions.map((c) => c.type)).toEqual(['Ready', 'Reconciling', 'Stalled', 'Accepted', 'Resolved']);
  });

  it('truncates messages the apiserver would reject', () => {
    const conditions = setCondition(
      [],
      { type: 'Ready', status: 'False', reason: 'R', message: 'x'.repeat(40_000) },
      1,
      t0,
    );
    expect(conditions[0]?.message).toHaveLength(32768);
  });
});

describe('getCondition, isTrue, removeCondition', () => {
  const conditions = setCondition([], { type: 'Ready', status: 'True', reason: 'Synced', message: '' }, 1, t0);
  it('reads conditions', () => {
    expect(isTrue(conditions, 'Ready')).toBe(true);
    expect(isTrue(conditions, 'Stalled')).toBe(false);
    expect(isTrue(undefined, 'Ready')).toBe(false);
    expect(getCondition(conditions, 'Missing')).toBeUndefined();
    expect(removeCondition(conditions, 'Ready')).toEqual([]);
  });
});

describe('readyConditions (kstatus)', () => {
  const at = (phase: ReadyPhase, previous: Condition[] | undefined, now = t0, message = 'msg') =>
    readyConditions({ generation: 4, phase, reason: phase === 'Ready' ? 'Synced' : 'Timeout', message, now, previous });
  const summary = (conditions: Condition[]) => conditions.map((c) => `${c.type}=${c.status}/${c.reason}`);

  it('Ready: Ready=True and no abnormal-true conditions', () => {
    expect(summary(at('Ready', at('Stalled', undefined)))).toEqual(['Ready=True/Synced']);
  });

  it('Reconciling: Reconciling=True, Ready=Unknown, no Stalled', () => {
    expect(summary(at('Reconciling', at('Stalled', undefined)))).toEqual([
      'Ready=Unknown/Timeout',
      'Reconciling=True/Timeout',
    ]);
  });

  it('Failed (will retry): Ready=False with the cause, Reconciling=True, no Stalled', () => {
    expect(summary(at('Failed', at('Stalled', undefined)))).toEqual([
      'Ready=False/Timeout',
      'Reconciling=True/ProgressingWithRetry',
    ]);
  });

  it('Stalled: Ready=False, Stalled=True, never together with Reconciling', () => {
    expect(summary(at('Stalled', at('Reconciling', undefined)))).toEqual([
      'Ready=False/Timeout',
      'Stalled=True/Timeout',
    ]);
  });

  it('stamps every condition with the generation and keeps other condition types', () => {
    const previous = setCondition([], { type: 'Resolved', status: 'True', reason: 'Resolved', message: '' }, 3, t0);
    const conditions = at('Ready', previous);
    expect(conditions.map((c) => c.type)).toEqual(['Ready', 'Resolved']);
    expect(getCondition(conditions, 'Ready')?.observedGeneration).toBe(4);
  });

  it('moves Ready.lastTransitionTime only on a status change', () => {
    const failed = at('Failed', undefined, t0, 'attempt 1');
    const stillFailed = at('Failed', failed, t1, 'attempt 2');
    expect(getCondition(stillFailed, 'Ready')?.lastTransitionTime).toBe('2025-01-01T00:00:00Z');
    const ready = at('Ready', stillFailed, t1);
    expect(getCondition(ready, 'Ready')?.lastTransitionTime).toBe('2025-01-01T00:05:00Z');
  });

  it('recomputing the same phase is a no-op for statusChanged', () => {
    const ready = at('Ready', undefined, t0);
    expect(statusChanged({ conditions: ready }, { conditions: at('Ready', ready, t1) })).toBe(false);
  });
});

describe('statusChanged', () => {
  it('compares deeply, regardless of key order', () => {
    expect(statusChanged({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(false);
    expect(statusChanged({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [2, 1] } })).toBe(true);
    expect(statusChanged({ revision: 'sha256:a' }, { revision: 'sha256:b' })).toBe(true);
  });

  it('ignores nothing: timestamps and types count', () => {
    expect(statusChanged({ lastSyncTime: '2025-01-01T00:00:00Z' }, { lastSyncTime: '2025-01-01T00:00:01Z' })).toBe(
      true,
    );
    expect(statusChanged({ packCount: 1 }, { packCount: '1' })).toBe(true);
    expect(statusChanged({ etag: null }, {})).toBe(true);
  });

  it('treats a property set to undefined as absent, as JSON does', () => {
    expect(statusChanged({ etag: undefined, n: 1 }, { n: 1 })).toBe(false);
    expect(statusChanged(undefined, {})).toBe(true);
  });
});
