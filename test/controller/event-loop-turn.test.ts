import { importInTurns } from '../../src/controller/event-loop-turn.js';

describe('importInTurns', () => {
  it('runs the parts in order, each in a turn of its own: a timer due meanwhile runs between them', async () => {
    const seen: string[] = [];
    // Each part holds the loop 20 ms, past the turn budget, as evaluating a large module does.
    const part = (name: string) => async () => {
      const until = performance.now() + 20;
      while (performance.now() < until);
      seen.push(name);
    };
    const done = importInTurns([part('a'), part('b'), part('c')]);
    setTimeout(() => seen.push('timer'), 0);
    await done;
    expect(seen.filter((s) => s !== 'timer')).toEqual(['a', 'b', 'c']);
    // Imported together, the timer waited for all three (60 ms); here for one part at most.
    expect(seen.indexOf('timer')).toBeLessThan(seen.indexOf('b'));
  });

  it('stops at a part that fails', async () => {
    const seen: string[] = [];
    await expect(
      importInTurns([
        async () => void seen.push('a'),
        () => Promise.reject(new Error('no such module')),
        async () => void seen.push('c'),
      ]),
    ).rejects.toThrow('no such module');
    expect(seen).toEqual(['a']);
  });
});
