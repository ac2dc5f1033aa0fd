import { metrics, trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  MaxSessionsExceededError,
  PurgeScheduler,
  RefreshTokenReusedError,
  TokenRevokedError,
  TokenTrackingHealthIndicator,
} from '../src/index.js';
import { METRIC, SPAN } from '../src/observability/telemetry-names.js';
import { whileAnotherInstancePurges } from './support/another-instance-purging.js';
import { eventually } from './support/eventually.js';
import { ManualClock } from './support/manual-clock.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TokenTrackingApp } from './support/token-tracking-app.js';

/** A reader the test collects from on demand. */
class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

describe('metrics and traces through OpenTelemetry', () => {
  const reader = new CollectingReader();
  const spans = new InMemorySpanExporter();
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 10));
  let db: TestDatabase;
  let app: TokenTrackingApp;

  beforeAll(async () => {
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] }));
    db = await createTestDatabase();
    app = await startTokenTracking(db.prisma, { clock: clock.now, maxUserSessions: 2, refreshGraceSeconds: 1 });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
    metrics.disable();
    trace.disable();
  });

  /** Every data point of the metric, as { attributes, value }. */
  const points = async (name: string) => {
    const { resourceMetrics } = await reader.collect();
    const found = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics).find((metric) => metric.descriptor.name === name);
    return (found?.dataPoints ?? []).map((point) => ({ attributes: point.attributes, value: point.value }));
  };
  const total = async (name: string) => (await points(name)).reduce((sum, point) => sum + (typeof point.value === 'number' ? point.value : 0), 0);

  it('counts what happens to tokens and sessions, and traces each operation without a secret in sight', async () => {
    const { tokens } = app;
    const first = await tokens.generateTokenPair('metered-user');
    const second = await tokens.generateTokenPair('metered-user');
    await expect(tokens.generateToken('metered-user')).rejects.toBeInstanceOf(MaxSessionsExceededError);
    const rotated = await tokens.refresh(first.refreshToken.token);
    clock.advance(2_000);
    await expect(tokens.refresh(first.refreshToken.token)).rejects.toBeInstanceOf(RefreshTokenReusedError);
    const logout = await tokens.generateTokenPair('metered-user-2');
    await tokens.revokeToken(logout.accessToken.token, { reason: 'logout' });
    await tokens.revokeAllUserTokens('metered-user', { reason: 'password change, ticket 4711 for alice@example.com' });
    await expect(tokens.parseToken(second.accessToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(tokens.parseToken('not-a-token-but-long-enough')).rejects.toMatchObject({ code: 'TOKEN_MALFORMED' });
    await tokens.purgeExpired();

    // Every token issued counts: three logins of a pair each, and the pair the refresh issued.
    expect(await points(METRIC.tokensIssued)).toEqual(expect.arrayContaining([
      { attributes: { 'token_tracking.issue.source': 'login' }, value: 6 },
      { attributes: { 'token_tracking.issue.source': 'refresh' }, value: 2 },
    ]));
    expect(await total(METRIC.tokensIssued)).toBe(8);
    expect(await points(METRIC.tokensRefreshed)).toEqual([{ attributes: { 'token_tracking.refresh.within_grace': false }, value: 1 }]);
    expect(await total(METRIC.sessionsRefusedAtCap)).toBe(1);
    expect(await total(METRIC.refreshReuseDetected)).toBe(1);
    expect(await points(METRIC.sessionsRevoked)).toEqual(expect.arrayContaining([
      { attributes: { 'token_tracking.revocation.scope': 'session', 'token_tracking.revocation.reason': 'refresh-token-reuse' }, value: 1 },
      { attributes: { 'token_tracking.revocation.scope': 'session', 'token_tracking.revocation.reason': 'logout' }, value: 1 },
      // An application's own reason is free text: metrics carry a bounded value instead.
      { attributes: { 'token_tracking.revocation.scope': 'all', 'token_tracking.revocation.reason': 'custom' }, value: 1 },
    ]));
    expect(await points(METRIC.tokensRejected)).toEqual(expect.arrayContaining([
      { attributes: { 'token_tracking.error.code': 'TOKEN_REVOKED' }, value: 1 },
      { attributes: { 'token_tracking.error.code': 'TOKEN_MALFORMED' }, value: 1 },
    ]));
    const checks = await points(METRIC.revocationCheckDuration);
    expect(checks.map((point) => point.attributes)).toEqual([{ 'token_tracking.check.source': 'database' }]);
    expect((checks[0]!.value as { count: number }).count).toBeGreaterThanOrEqual(2);
    expect((await points(METRIC.purgeDuration)).length).toBe(1);
    expect(await points(METRIC.replicaSynced)).toEqual([{ attributes: {}, value: 0 }]);

    const finished = spans.getFinishedSpans();
    expect(new Set(finished.map((span) => span.name))).toEqual(new Set([SPAN.issue, SPAN.refresh, SPAN.revoke, SPAN.purge]));
    expect(finished.find((span) => span.attributes['token_tracking.error.code'] === 'MAX_SESSIONS_EXCEEDED')?.name).toBe(SPAN.issue);
    expect(finished.find((span) => span.attributes['token_tracking.error.code'] === 'REFRESH_TOKEN_REUSED')?.name).toBe(SPAN.refresh);
    // A logout with a tracked token ends its session: its span says so, as the metric does.
    expect(finished.filter((span) => span.name === SPAN.revoke).map((span) => span.attributes)).toEqual([
      { 'token_tracking.revocation.scope': 'session', 'token_tracking.revocation.reason': 'logout' },
      { 'token_tracking.revocation.scope': 'all', 'token_tracking.revocation.reason': 'custom' },
    ]);

    // Nothing that identifies a token, a session or a user, anywhere.
    const { resourceMetrics } = await reader.collect();
    const everything = JSON.stringify([resourceMetrics.scopeMetrics.map((scope) => scope.metrics.map((metric) => metric.dataPoints.map((point) => point.attributes))),
      finished.map((span) => [span.name, span.attributes, span.events])]);
    for (const secret of [first.accessToken.token, first.accessToken.jti, first.sessionId, rotated.refreshToken.jti, 'metered-user', 'alice@example.com']) {
      expect(everything).not.toContain(secret);
    }
  });

  it('tells a purge run skipped because another instance purges from one that purged', async () => {
    // One run that purges and one skipped, both in this test.
    await app.tokens.purgeExpired();
    await whileAnotherInstancePurges(db.url, async () => {
      expect(await app.tokens.purgeExpired()).toEqual({ status: 'skipped' });
    });
    const purges = (await points(METRIC.operationDuration)).filter((point) => point.attributes['token_tracking.operation'] === SPAN.purge);
    expect(purges.map((point) => point.attributes['token_tracking.outcome']).sort()).toEqual(['ok', 'skipped']);
  });
});

describe('the health indicator', () => {
  let db: TestDatabase;
  let app: TokenTrackingApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTokenTracking(db.prisma, { purge: { intervalSeconds: 3600 }, revocationReplica: { connectionString: db.url } });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  it('reports the store, the replica and the last purge, and whether it finished', async () => {
    const indicator = app.get<TokenTrackingHealthIndicator>(TokenTrackingHealthIndicator);
    await eventually(async () => expect((await indicator.isHealthy()).token_tracking?.replica).toMatchObject({ synced: true, connected: true }));
    const before = await indicator.isHealthy('tokens');
    expect(before).toEqual({
      tokens: {
        status: 'up',
        store: { reachable: true, latencyMs: expect.any(Number) },
        keys: { remote: false, available: true },
        replica: {
          enabled: true, synced: true, stale: false, connected: true, notifications: 'arriving', standbyLagMs: null, entries: 0,
          lastSyncedAt: expect.any(String), lastReadAt: expect.any(String),
        },
        purge: { scheduled: true, lastStartedAt: null, lastFinishedAt: null, lastOutcome: null },
      },
    });
    await app.get<PurgeScheduler>(PurgeScheduler).tick();
    expect((await indicator.isHealthy()).token_tracking?.purge).toMatchObject({
      lastStartedAt: expect.any(String), lastFinishedAt: expect.any(String), lastOutcome: 'done',
    });
  });

  it('counts a purge called through purgeExpired() as the last purge too', async () => {
    const indicator = app.get<TokenTrackingHealthIndicator>(TokenTrackingHealthIndicator);
    await app.get<PurgeScheduler>(PurgeScheduler).tick();
    const scheduled = (await indicator.isHealthy()).token_tracking!.purge;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const calledAt = Date.now();
    await app.tokens.purgeExpired();
    const called = (await indicator.isHealthy()).token_tracking!.purge;
    expect(called).toMatchObject({ lastOutcome: 'done', lastFinishedAt: expect.any(String) });
    expect(new Date(called.lastStartedAt!).getTime()).toBeGreaterThanOrEqual(calledAt);
    expect(called.lastStartedAt).not.toBe(scheduled.lastStartedAt);
  });
});
