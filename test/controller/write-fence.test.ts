import { WriteFence } from '../../src/controller/write-fence.js';

// Lets every promise continuation that is ready run (setImmediate comes after all microtasks).
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const never = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

describe('WriteFence', () => {
  it('lets writes through while open', async () => {
    const fence = new WriteFence();
    await expect(fence.write(new AbortController().signal, async () => 'sent')).resolves.toBe('sent');
  });

  it('holds writes while closed and sends them once opened', async () => {
    const fence = new WriteFence();
    fence.close(new Error('in doubt'));
    const sent: string[] = [];
    const write = fence.write(new AbortController().signal, async () => sent.push('a'));
    await flush();
    expect(sent).toEqual([]);
    expect(fence.closed).toBe(true);
    fence.open();
    await write;
    expect(sent).toEqual(['a']);
    expect(fence.closed).toBe(false);
  });

  it('aborts the writes in flight when it closes, with its reason', async () => {
    const fence = new WriteFence();
    const inFlight = fence.write(new AbortController().signal, never);
    await flush();
    fence.close(new Error('in doubt'));
    await expect(inFlight).rejects.toThrow('in doubt');
  });

  it("ends a held write at its own deadline, and a write in flight when the caller's signal aborts", async () => {
    const fence = new WriteFence();
    const caller = new AbortController();
    const inFlight = fence.write(caller.signal, never);
    caller.abort(new Error('caller gave up'));
    await expect(inFlight).rejects.toThrow('caller gave up');

    fence.close(new Error('in doubt'));
    const deadline = new AbortController();
    let sent = false;
    const held = fence.write(deadline.signal, async () => (sent = true));
    await flush();
    deadline.abort(new Error('deadline'));
    await expect(held).rejects.toThrow('deadline');
    fence.open();
    await flush();
    expect(sent).toBe(false);
  });
});
