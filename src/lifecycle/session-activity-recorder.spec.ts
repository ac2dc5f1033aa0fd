import { jest } from '@jest/globals';
import { MAX_REMEMBERED_SESSIONS, MAX_USES_PER_STATEMENT, SessionActivityRecorder } from './session-activity-recorder.js';
import { SessionUse } from '../store/token-store.interface.js';

describe('SessionActivityRecorder', () => {
  /** A store that records the size of each batch it is asked to write. */
  const recordingStore = () => {
    const batches: number[] = [];
    return { batches, store: { recordActivity: async (uses: readonly SessionUse[]) => { batches.push(uses.length); return { sessions: [] }; } } };
  };
  const recorderAt = (now: () => number, store: object = recordingStore().store, options: object = {}) => new SessionActivityRecorder(
    { lastUsedIntervalMs: 60_000, trackUserTokens: true, clock: now, sessionIdleTimeoutSeconds: null, ...options } as never,
    store as never,
    {} as never,
    {} as never,
  );
  const pendingOf = (recorder: SessionActivityRecorder) => (recorder as unknown as { pending: Map<string, number> }).pending;
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  it('remembers at least the last half of MAX_REMEMBERED_SESSIONS sessions written, and forgets older ones', async () => {
    let now = 1_000_000;
    const recorder = recorderAt(() => now);
    const total = MAX_REMEMBERED_SESSIONS + 10;
    for (let n = 0; n < total; n++) {
      now++;
      recorder.touch(`session-${n}`);
    }
    for (let n = total - MAX_REMEMBERED_SESSIONS / 2; n < total; n++) {
      expect(recorder.recordedUseMs(`session-${n}`)).toBe(1_000_000 + n + 1);
    }
    expect(recorder.recordedUseMs('session-0')).toBeUndefined();
    // Within the interval, a remembered session is not written again.
    (recorder as unknown as { pending: Map<string, number> }).pending.clear();
    recorder.touch(`session-${total - 1}`);
    expect((recorder as unknown as { pending: Map<string, number> }).pending.size).toBe(0);
    await recorder.onModuleDestroy();
  });

  it(`writes at most ${MAX_USES_PER_STATEMENT} uses a statement, and a full batch at once rather than after a second`, async () => {
    const { batches, store } = recordingStore();
    const recorder = recorderAt(() => 1_000_000, store);
    for (let n = 0; n < MAX_USES_PER_STATEMENT - 1; n++) recorder.touch(`session-${n}`);
    await nextTurn();
    expect(batches).toEqual([]);

    for (let n = MAX_USES_PER_STATEMENT - 1; n < 2.5 * MAX_USES_PER_STATEMENT; n++) recorder.touch(`session-${n}`);
    // No flush() here: the full batch was due as soon as the loop let go, the timer's second later.
    await nextTurn();
    await nextTurn();
    expect(batches).toEqual([MAX_USES_PER_STATEMENT, MAX_USES_PER_STATEMENT, MAX_USES_PER_STATEMENT / 2]);
    await recorder.onModuleDestroy();
  });

  it('keeps a use waiting to be written when the next one comes due: replaced, it would never reach the database', async () => {
    let now = 1_000;
    const recorder = recorderAt(() => now, undefined, { lastUsedIntervalMs: 1_000 });
    recorder.touch('session');
    now = 2_000;
    recorder.touch('session');
    expect(pendingOf(recorder).get('session')).toBe(1_000);
    expect(recorder.recordedUseMs('session')).toBe(1_000);
    await recorder.onModuleDestroy();
  });

  it('keeps a waiting use when a later one is reported late within the idle timeout of it, not beyond', async () => {
    let now = 1_000;
    const recorder = recorderAt(() => now, undefined, { lastUsedIntervalMs: 1_000, sessionIdleTimeoutSeconds: 2 });
    recorder.touch('session');
    now = 2_999;
    recorder.reportLateUse('session');
    expect(pendingOf(recorder).get('session')).toBe(1_000);
    now = 3_000;
    recorder.reportLateUse('session');
    expect(pendingOf(recorder).get('session')).toBe(3_000);
    await recorder.onModuleDestroy();
  });

  it("remembers another instance's write in place of the use it sent, never in place of a later use", async () => {
    let now = 1_000;
    let answer: (outcome: object) => void = () => undefined;
    const store = { recordActivity: () => new Promise((resolve) => (answer = resolve)) };
    const recorder = recorderAt(() => now, store, { lastUsedIntervalMs: 1_000 });
    const writtenElsewhere = (at: number) => ({ sessions: [], recordedElsewhere: [{ sessionId: 'sent', at: new Date(at) }, { sessionId: 'used-since', at: new Date(at) }] });

    recorder.touch('sent');
    recorder.touch('used-since');
    const flushed = recorder.flush();
    await nextTurn();
    now = 2_000;
    recorder.touch('used-since');
    answer(writtenElsewhere(500));
    await flushed;
    expect(recorder.recordedUseMs('sent')).toBe(500);
    expect(recorder.recordedUseMs('used-since')).toBe(2_000);
    await recorder.onModuleDestroy();
  });

  it('writes within a quarter of a short interval, so that a session in use is written well within its idle timeout', async () => {
    const { batches, store } = recordingStore();
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate'] });
    try {
      const recorder = recorderAt(Date.now, store, { lastUsedIntervalMs: 1_000 });
      recorder.touch('session');
      jest.advanceTimersByTime(249);
      await nextTurn();
      expect(batches).toEqual([]);
      jest.advanceTimersByTime(1);
      await nextTurn();
      expect(batches).toEqual([1]);
      await recorder.onModuleDestroy();
    } finally {
      jest.useRealTimers();
    }
  });

  it('lets a use replace a late report waiting to be written: the request was let in, so it was not late', async () => {
    let now = 10_000;
    const { batches, store } = recordingStore();
    const recorder = recorderAt(() => now, store, { lastUsedIntervalMs: 1_000, sessionIdleTimeoutSeconds: 2 });
    recorder.touch('session');
    await recorder.flush();
    now = 14_000;
    recorder.reportLateUse('session');
    now = 14_200;
    recorder.touch('session');
    expect(pendingOf(recorder).get('session')).toBe(14_200);
    expect(recorder.recordedUseMs('session')).toBe(14_200);
    expect(batches).toEqual([1]);
    await recorder.onModuleDestroy();
  });

  it('writes nothing more once shut down: batches of a flush not yet started are dropped', async () => {
    const started: number[] = [];
    const store = {
      recordActivity: async (uses: readonly SessionUse[]) => {
        started.push(uses.length);
        await new Promise((resolve) => setTimeout(resolve, 20));
        return { sessions: [] };
      },
    };
    const recorder = recorderAt(() => 1_000_000, store);
    for (let n = 0; n < 3.2 * MAX_USES_PER_STATEMENT; n++) recorder.touch(`session-${n}`);
    await nextTurn();
    expect(started).toEqual([MAX_USES_PER_STATEMENT]);
    await recorder.onModuleDestroy();
    recorder.touch('after-shutdown');
    await recorder.flush();
    expect(started).toEqual([MAX_USES_PER_STATEMENT]);
  });
});
