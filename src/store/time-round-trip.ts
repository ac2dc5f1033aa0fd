import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';

/**
 * Two instants, in winter and in summer, that the startup check sends as
 * parameters and reads back as PostgreSQL understood them. Prisma's pg
 * adapter sends a Date as its UTC wall time with no zone, which PostgreSQL
 * reads in the session's TimeZone: anywhere but UTC every time the library
 * writes or compares (expiry, idle deadlines, revocations) would be off by
 * the zone's offset, and times PostgreSQL computes itself would not agree
 * with them. Two dates, so that a zone at UTC in winter only is caught too.
 */
export const TIME_PROBES: readonly [Date, Date] = [new Date(Date.UTC(2026, 0, 15, 12)), new Date(Date.UTC(2026, 6, 15, 12))];

/** What PostgreSQL read the probes as (epoch milliseconds), and its session TimeZone. */
export interface TimeRoundTrip {
  readonly winter_ms: number;
  readonly summer_ms: number;
  readonly zone: string;
}

/** Throws when a probe came back as another instant. */
export function assertTimesRoundTrip(read: TimeRoundTrip): void {
  const offsets = [read.winter_ms - TIME_PROBES[0].getTime(), read.summer_ms - TIME_PROBES[1].getTime()];
  const worst = offsets.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
  if (worst === 0) return;
  throw new TokenTrackingConfigurationError(
    `a time sent to the database through this Prisma client is read as one ${Math.abs(worst) / 60_000} minutes ` +
      `${worst > 0 ? 'later' : 'earlier'}: the Prisma pg adapter sends times without a zone, and this database session ` +
      `reads them in its TimeZone, '${read.zone}'. Expiry, idle deadlines and revocations would all be off by that much. ` +
      "Set the session's TimeZone to UTC: `ALTER ROLE <role> SET TimeZone = 'UTC'` (new connections), or " +
      '`options=-c%20TimeZone%3DUTC` in the connection string',
  );
}
