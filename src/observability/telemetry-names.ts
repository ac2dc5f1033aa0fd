/** The names under which the library reports, for dashboards and alerts to rely on. */
export const METRIC = {
  /** Instrumentation scope (meter and tracer name). */
  scope: 'nestjs-token-tracking',
  tokensIssued: 'token_tracking.tokens.issued',
  tokensRefreshed: 'token_tracking.tokens.refreshed',
  sessionsRevoked: 'token_tracking.sessions.revoked',
  tokensRejected: 'token_tracking.tokens.rejected',
  sessionsRefusedAtCap: 'token_tracking.sessions.refused_at_cap',
  sessionsEvicted: 'token_tracking.sessions.evicted',
  refreshReuseDetected: 'token_tracking.refresh.reuse_detected',
  purgedRows: 'token_tracking.purge.rows',
  revocationCheckDuration: 'token_tracking.revocation_check.duration',
  operationDuration: 'token_tracking.operation.duration',
  purgeDuration: 'token_tracking.purge.duration',
  replicaEntries: 'token_tracking.replica.entries',
  replicaMemory: 'token_tracking.replica.memory',
  replicaSynced: 'token_tracking.replica.synced',
  replicaConnected: 'token_tracking.replica.connected',
} as const;

/**
 * The values `token_tracking.revocation.reason` takes: the library's own
 * reasons, and `custom` for any reason an application gave. An
 * application's reason is free text (it may name a person or a ticket), and
 * every distinct value of an attribute is a time series of its own.
 */
export const REVOCATION_REASON_VALUES = [
  'revoked', 'revoke-others', 'revoke-all', 'logout', 'logout-everywhere', 'admin-revoke', 'admin-revoke-all',
  'evicted', 'refresh-token-reuse', 'idle-timeout', 'max-lifetime', 'cross-site-login', 'replaced-by-login', 'cookie-conflict', 'custom',
] as const;

/** A revocation reason as metrics and spans carry it: one of `REVOCATION_REASON_VALUES`. */
export function reasonAttribute(reason: string): (typeof REVOCATION_REASON_VALUES)[number] {
  return (REVOCATION_REASON_VALUES as readonly string[]).includes(reason) ? (reason as (typeof REVOCATION_REASON_VALUES)[number]) : 'custom';
}

export const SPAN = {
  issue: 'token_tracking.issue',
  refresh: 'token_tracking.refresh',
  revoke: 'token_tracking.revoke',
  purge: 'token_tracking.purge',
} as const;

/** The part of `@opentelemetry/api` the library uses (an optional peer: its types are not imported). */
export interface OpenTelemetryApi {
  metrics: {
    getMeter(name: string): {
      createCounter(name: string, options: { description: string; unit: string }): { add(value: number, attributes?: Record<string, string | number | boolean>): void };
      createHistogram(name: string, options: { description: string; unit: string }): { record(value: number, attributes?: Record<string, string | number | boolean>): void };
      createObservableGauge(name: string, options: { description: string; unit: string }): {
        addCallback(callback: (result: { observe(value: number): void }) => void): void;
      };
    };
  };
  trace: {
    getTracer(name: string): {
      startActiveSpan<T>(name: string, options: { attributes: Record<string, string | number | boolean> }, work: (span: {
        setAttribute(key: string, value: string): void;
        setStatus(status: { code: number; message?: string }): void;
        end(): void;
      }) => T): T;
    };
  };
  SpanStatusCode: { ERROR: number };
  /** The meter the API hands out while no SDK is installed (API 1.3 and later). */
  createNoopMeter?(): object;
}
