import { MAX_REMEMBERED_SESSIONS, SessionActivityRecorder } from './session-activity-recorder.js';

describe('SessionActivityRecorder memory', () => {
  const recorderAt = (now: () => number) => new SessionActivityRecorder(
    { lastUsedIntervalMs: 60_000, trackUserTokens: true, clock: now, sessionIdleTimeoutSeconds: null } as never,
    {} as never,
    {} as never,
    {} as never,
  );

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
});
