import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import { PrismaRawClient } from './prisma-client.interface.js';

/**
 * Two instants, in winter and in summer, that the check sends as parameters
 * and asks PostgreSQL to turn into epoch milliseconds. Prisma's pg adapter
 * sends a Date as its UTC wall time with no zone, which PostgreSQL reads in
 * the session's TimeZone: anywhere but UTC every time the library writes or
 * compares (expiry, idle deadlines, revocations) would be off by the zone's
 * offset, and times PostgreSQL computes itself would not agree with them.
 * Two dates, so that a zone at UTC in winter only is caught too.
 */
const PROBES: readonly [Date, Date] = [new Date(Date.UTC(2026, 0, 15, 12)), new Date(Date.UTC(2026, 6, 15, 12))];

export interface TimeRoundTrip {
  readonly winter_ms: number;
  readonly summer_ms: number;
  /** PROBES[0] written by PostgreSQL: what reading a timestamptz column gives. */
  readonly fixed: Date;
  readonly zone: string;
  readonly role: string;
}

/** What one connection of `prisma`'s pool makes of the probes. */
export async function readTimeRoundTrip(prisma: PrismaRawClient): Promise<TimeRoundTrip> {
  const [read] = await prisma.$queryRaw<TimeRoundTrip[]>`
    SELECT (extract(epoch FROM ${PROBES[0]}::timestamptz) * 1000)::float8 AS winter_ms,
           (extract(epoch FROM ${PROBES[1]}::timestamptz) * 1000)::float8 AS summer_ms,
           timestamptz '2026-01-15 12:00:00+00' AS fixed,
           current_setting('TimeZone') AS zone, current_user::text AS role`;
  return read!;
}

/**
 * Refuses a database session whose times would not mean what the library
 * means: one that reads a time sent to it as another instant, or one whose
 * times the client reads back as another instant (its zone, or a DateStyle
 * the driver does not parse). `client` names it in the message.
 */
export function assertTimeRoundTrip(read: TimeRoundTrip, client: string): void {
  const sent = [read.winter_ms - PROBES[0].getTime(), read.summer_ms - PROBES[1].getTime()];
  const worst = sent.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a));
  const readBack = new Date(read.fixed).getTime() - PROBES[0].getTime();
  if (worst === 0 && readBack === 0) return;
  const how = worst !== 0
    ? `a time sent through it is read by PostgreSQL as one up to ${Math.abs(worst) / 60_000} minutes ${worst > 0 ? 'later' : 'earlier'} ` +
      '(the Prisma pg adapter sends times without a zone, read in the session\'s TimeZone)'
    : `a time PostgreSQL sends is read by the client as ${Number.isNaN(readBack) ? 'an invalid date' : `one ${Math.abs(readBack) / 60_000} minutes off`} ` +
      '(check the session\'s TimeZone and DateStyle)';
  throw new TokenTrackingConfigurationError(
    `${client}: ${how}; its database session's TimeZone is '${read.zone}'. Expiry, idle deadlines and revocations ` +
      "would all be off. Set the session's TimeZone to UTC: `options=-c%20TimeZone%3DUTC` in the connection string " +
      `(or PGOPTIONS), or \`ALTER ROLE "${read.role}" SET TimeZone = 'UTC'\` for new connections (a setting made ` +
      'with ALTER ROLE ... IN DATABASE takes precedence over it)',
  );
}
