import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { TokenTrackingError } from '../errors/token-tracking.error.js';
import { TokenEventPublisher } from '../events/token-event-publisher.js';
import {
  SessionsEvictedEvent,
  TokenIssuedEvent,
  TokenRefreshedEvent,
  TokensPurgedEvent,
  TokensRevokedEvent,
  TokenTrackingEvents,
} from '../events/token-tracking.events.js';
import { RevocationChecker } from '../revocation/revocation-checker.js';
import { loadOptionalPeer } from '../runtime/optional-peer.js';
import { METRIC, OpenTelemetryApi, reasonAttribute, SPAN } from './telemetry-names.js';

type Attributes = Record<string, string | number | boolean>;
interface Counter { add(value: number, attributes?: Attributes): void }
interface Histogram { record(value: number, attributes?: Attributes): void }
interface SpanAttributes { setAttribute(key: string, value: string): void }

interface Instruments {
  readonly issued: Counter;
  readonly refreshed: Counter;
  readonly revoked: Counter;
  readonly rejected: Counter;
  readonly refusedAtCap: Counter;
  readonly evicted: Counter;
  readonly reuseDetected: Counter;
  readonly purgedRows: Counter;
  readonly checkDuration: Histogram;
  readonly operationDuration: Histogram;
  readonly purgeDuration: Histogram;
}

/** The attributes of a check's duration, made once: the check runs on every request. */
const CHECK_SOURCE_ATTRIBUTES: Readonly<Record<'replica' | 'database', Attributes>> = {
  replica: { 'token_tracking.check.source': 'replica' },
  database: { 'token_tracking.check.source': 'database' },
};

/**
 * Metrics and traces through `@opentelemetry/api`, the way libraries are
 * meant to report them: the application's SDK (if any) decides where they
 * go. The API is an optional peer; without it, or without an SDK behind it
 * when the module starts, every call here is a no-op and the revocation
 * check is not even timed. No attribute ever carries a token, a key, a
 * user id or a session id: only operation names, outcomes, reasons and
 * error codes.
 */
@Injectable()
export class TokenTrackingTelemetry implements OnModuleInit {
  private instruments: Instruments | null = null;
  private api: OpenTelemetryApi | null = null;
  /**
   * The span of the operation running: what an operation turns out to do
   * (a logout that ends a whole session) is written on its span from the
   * same event the metrics count, so that both say the same.
   */
  private readonly currentSpan = new AsyncLocalStorage<SpanAttributes>();

  constructor(
    @Inject(TokenEventPublisher) private readonly events: TokenEventPublisher,
    @Inject(RevocationChecker) private readonly revocations: RevocationChecker,
  ) {}

  async onModuleInit(): Promise<void> {
    const api = await loadOptionalPeer<OpenTelemetryApi>('@opentelemetry/api');
    if (!api) return;
    this.api = api;
    const meter = api.metrics.getMeter(METRIC.scope);
    // No SDK: nothing would be recorded, so nothing is measured (the check's clock reads, its attributes).
    if (api.createNoopMeter && meter.constructor === api.createNoopMeter().constructor) return;
    const counter = (name: string, description: string, unit: string) => meter.createCounter(name, { description, unit });
    const histogram = (name: string, description: string) => meter.createHistogram(name, { description, unit: 's' });
    this.instruments = {
      issued: counter(METRIC.tokensIssued, 'Tokens issued, by logins and refreshes (each token of a pair counts)', '{token}'),
      refreshed: counter(METRIC.tokensRefreshed, 'Refresh tokens exchanged for a new pair', '{refresh}'),
      revoked: counter(METRIC.sessionsRevoked, 'Sessions (or untracked tokens) revoked, by reason', '{session}'),
      rejected: counter(METRIC.tokensRejected, 'Tokens refused by verification or revocation, by error code', '{token}'),
      refusedAtCap: counter(METRIC.sessionsRefusedAtCap, 'Logins refused at the session cap', '{session}'),
      evicted: counter(METRIC.sessionsEvicted, 'Sessions evicted by the evict-oldest policy', '{session}'),
      reuseDetected: counter(METRIC.refreshReuseDetected, 'Refresh tokens presented again after the grace period', '{event}'),
      purgedRows: counter(METRIC.purgedRows, 'Rows deleted by the purge, by table', '{row}'),
      checkDuration: histogram(METRIC.revocationCheckDuration, 'Time to check a token against revocations'),
      operationDuration: histogram(METRIC.operationDuration, 'Time to issue, refresh or revoke'),
      purgeDuration: histogram(METRIC.purgeDuration, 'Time a purge run took'),
    };
    const status = () => this.revocations.status;
    meter.createObservableGauge(METRIC.replicaEntries, { description: 'Revocations held by this instance\'s replica', unit: '{entry}' })
      .addCallback((result) => result.observe(status().entries));
    meter.createObservableGauge(METRIC.replicaMemory, { description: 'Memory of the replica\'s tables', unit: 'By' })
      .addCallback((result) => result.observe(status().bytes));
    meter.createObservableGauge(METRIC.replicaSynced, { description: '1 while every check is answered from the replica', unit: '1' })
      .addCallback((result) => result.observe(status().synced ? 1 : 0));
    meter.createObservableGauge(METRIC.replicaConnected, { description: '1 while the replica\'s LISTEN connection is up', unit: '1' })
      .addCallback((result) => result.observe(status().connected ? 1 : 0));
    this.events.observe((event, payload) => this.count(event, payload));
    const checkDuration = this.instruments.checkDuration;
    this.revocations.onCheck((durationMs, source) => checkDuration.record(durationMs / 1000, CHECK_SOURCE_ATTRIBUTES[source]));
  }

  /**
   * Runs `work` in a span named `name`, recording its duration and its
   * outcome: the error code on failure, else `outcomeOf(result)` (default `ok`).
   */
  async trace<T>(name: (typeof SPAN)[keyof typeof SPAN], attributes: Attributes, work: () => Promise<T>, outcomeOf?: (result: T) => string): Promise<T> {
    const api = this.api;
    if (!api) return work();
    const started = performance.now();
    return api.trace.getTracer(METRIC.scope).startActiveSpan(name, { attributes }, (span) => this.currentSpan.run(span, async () => {
      let outcome = 'ok';
      try {
        const result = await work();
        if (outcomeOf) outcome = outcomeOf(result);
        return result;
      } catch (error) {
        outcome = error instanceof TokenTrackingError ? error.code : 'error';
        span.setAttribute('token_tracking.error.code', outcome);
        span.setStatus({ code: api.SpanStatusCode.ERROR, message: outcome });
        if (outcome === 'MAX_SESSIONS_EXCEEDED') this.instruments?.refusedAtCap.add(1);
        throw error;
      } finally {
        this.instruments?.operationDuration.record((performance.now() - started) / 1000, { 'token_tracking.operation': name, 'token_tracking.outcome': outcome });
        span.end();
      }
    }));
  }

  /** A token refused by `parseToken` or the guard. */
  rejected(error: unknown): void {
    if (error instanceof TokenTrackingError) this.instruments?.rejected.add(1, { 'token_tracking.error.code': error.code });
  }

  private count(event: string, payload: object): void {
    const instruments = this.instruments;
    if (!instruments) return;
    switch (event) {
      case TokenTrackingEvents.ISSUED:
        instruments.issued.add((payload as TokenIssuedEvent).jtis.length, { 'token_tracking.issue.source': 'login' });
        return;
      case TokenTrackingEvents.REFRESHED: {
        const { withinGrace } = payload as TokenRefreshedEvent;
        instruments.refreshed.add(1, { 'token_tracking.refresh.within_grace': withinGrace });
        // Within the grace period the pair handed out is the one already issued (and counted).
        if (!withinGrace) instruments.issued.add(2, { 'token_tracking.issue.source': 'refresh' });
        return;
      }
      case TokenTrackingEvents.REVOKED: {
        const revoked = payload as TokensRevokedEvent;
        const attributes = {
          'token_tracking.revocation.scope': revoked.scope,
          'token_tracking.revocation.reason': reasonAttribute(revoked.reason),
        };
        instruments.revoked.add(Math.max(revoked.sessionIds.length, revoked.scope === 'token' ? 1 : 0), attributes);
        const span = this.currentSpan.getStore();
        for (const [key, value] of Object.entries(attributes)) span?.setAttribute(key, value);
        return;
      }
      case TokenTrackingEvents.EVICTED:
        instruments.evicted.add((payload as SessionsEvictedEvent).sessionIds.length);
        return;
      case TokenTrackingEvents.REUSE_DETECTED:
        instruments.reuseDetected.add(1);
        return;
      case TokenTrackingEvents.PURGED: {
        const purged = payload as TokensPurgedEvent;
        for (const [table, rows] of [['sessions', purged.sessions], ['tokens', purged.tokens], ['revocations', purged.revocations], ['watermarks', purged.watermarks]] as const) {
          if (rows > 0) instruments.purgedRows.add(rows, { 'token_tracking.purge.table': table });
        }
        instruments.purgeDuration.record(purged.durationMs / 1000, { 'token_tracking.purge.complete': purged.complete });
      }
    }
  }
}
