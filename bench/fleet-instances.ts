/**
 * Instances of a fleet, several in one process: each what
 * `RevocationChecker` builds (a `RevocationReplica` fed by a
 * `RevocationFeed`) on a Prisma client of its own, without the rest of an
 * application. Used by the fleet benchmark (through `fleet-worker.ts`) and
 * by its scaled-down test.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createPrismaClient, PrismaClient } from '../dev/prisma.js';
import { REPLICA_APPLICATION_NAME } from '../src/revocation/revocation-checker.js';
import { FeedClient } from '../src/revocation/notification-listener.js';
import { PrismaRevocationLog } from '../src/revocation/prisma-revocation-log.js';
import { RevocationFeed } from '../src/revocation/revocation-feed.js';
import { RevocationReplica } from '../src/revocation/revocation-replica.js';
import { StandbyFreshness } from '../src/revocation/standby-freshness.js';
import { TokenIdentity } from '../src/store/token-store.interface.js';

/** `application_name` of the instances' pool connections, to count them in pg_stat_activity. */
export const FLEET_POOL_APPLICATION_NAME = 'fleet-instance-pool';

export interface FleetConfig {
  /** The URL of each instance's Prisma pool (direct or through a pooler). */
  readonly databaseUrl: string;
  /** The URL for LISTEN, or null to poll only. */
  readonly listenUrl: string | null;
  /** A hot standby's URL to read the revocation log from (`revocationReplica.readFrom`), its lag measured against `databaseUrl`. */
  readonly readFromUrl?: string | null;
  readonly count: number;
  readonly poolSize: number;
  readonly pollIntervalMs: number;
  readonly maxStalenessMs: number;
  readonly heartbeatMs: number;
}

/** A token as sent between processes: `issuedAt` in epoch ms. */
export interface WatchedToken {
  readonly jti: string;
  readonly sessionId: string;
  readonly userId: string;
  readonly issuedAtMs: number;
}

export interface FollowOutcome {
  /** Per token: when (epoch ms) the last of these instances refused it; NaN if one never did. */
  readonly refusedByAllAt: number[];
  /** Per token: the last time (epoch ms) one of these instances answered "not revoked"; NaN if none did. */
  readonly lastAcceptedAt: number[];
  /** Checks made while following. */
  readonly checks: number;
  /** Of those, the ones the replica left to the database (stale, or catching up after a stall). */
  readonly unanswered: number;
  /** Instances that answered every token "not revoked" from memory when the watch began. */
  readonly fromMemory: number;
}

export interface FleetListenState {
  /** Instances whose notifications are confirmed by a probe. */
  readonly listening: number;
  /** The distinct reasons the others give. */
  readonly failures: string[];
}

const LONGEST_LIFETIME_MS = 86_400_000;
export const epochNow = () => performance.timeOrigin + performance.now();

interface Instance {
  readonly prisma: PrismaClient;
  readonly standbyPrisma: PrismaClient | null;
  readonly replica: RevocationReplica;
  readonly feed: RevocationFeed;
}

export class FleetInstances {
  private constructor(
    private readonly instances: readonly Instance[],
    /** How long constructing and starting them all took: after this they serve. */
    readonly servingMs: number,
    private readonly startedAt: number,
  ) {}

  /** Constructs and starts `count` instances; `start()` does not wait for the first load. */
  static start(config: FleetConfig): FleetInstances {
    const startedAt = performance.now();
    const url = withApplicationName(config.databaseUrl);
    const standbyUrl = config.readFromUrl ? withApplicationName(config.readFromUrl) : null;
    const instances = Array.from({ length: config.count }, () => {
      const prisma = createPrismaClient(url, config.poolSize);
      const standbyPrisma = standbyUrl ? createPrismaClient(standbyUrl, config.poolSize) : null;
      const primaryLog = new PrismaRevocationLog(prisma);
      let feed: RevocationFeed | undefined;
      const replica = new RevocationReplica(2_000_000, LONGEST_LIFETIME_MS, 0, () => feed?.stalled ?? false);
      // As RevocationChecker wires `readFrom`: the log read on the standby, its freshness measured against the primary.
      feed = new RevocationFeed(replica, standbyPrisma ? new PrismaRevocationLog(standbyPrisma) : primaryLog,
        standbyPrisma ? new StandbyFreshness(primaryLog) : null, {
        pollIntervalMs: config.pollIntervalMs,
        maxStalenessMs: config.maxStalenessMs,
        listen: config.listenUrl ? { connectionString: config.listenUrl, probeIntervalMs: config.heartbeatMs } : null,
        reconnectMinMs: 200,
        reconnectMaxMs: 10_000,
        toleranceMs: 0,
        watermarkLifetimeMs: LONGEST_LIFETIME_MS,
        pageSize: 20_000,
        sweepMs: 60_000,
        clock: Date.now,
      }, createListenClient);
      feed.start();
      return { prisma, standbyPrisma, replica, feed };
    });
    return new FleetInstances(instances, performance.now() - startedAt, startedAt);
  }

  get size(): number {
    return this.instances.length;
  }

  /** Resolves with the ms from the start until every instance is synced. */
  async untilSynced(timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (!this.instances.every(({ replica }) => replica.synced)) {
      if (performance.now() > deadline) {
        throw new Error(`${this.instances.filter(({ replica }) => !replica.synced).length} of ${this.size} instances not synced within ${timeoutMs} ms`);
      }
      await sleep(5);
    }
    return performance.now() - this.startedAt;
  }

  get listenState(): FleetListenState {
    const failures = new Set(this.instances.map(({ feed }) => feed.listenFailure).filter((reason): reason is string => reason !== null));
    return { listening: this.instances.filter(({ feed }) => feed.listening).length, failures: [...failures] };
  }

  /**
   * Checks every token on every instance, every millisecond or so, until
   * every instance refuses it (`check` answers true) or `timeoutMs` passes;
   * notes when each token was last answered "not revoked". No instance may
   * refuse them yet: `ready` resolves once that is checked.
   */
  follow(tokens: readonly WatchedToken[], timeoutMs: number): { ready: Promise<void>; outcome: Promise<FollowOutcome> } {
    const identities: TokenIdentity[] = tokens.map((token) => ({ ...token, issuedAt: new Date(token.issuedAtMs) }));
    let markReady!: () => void;
    let markFailed!: (error: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markFailed = reject;
    });
    const outcome = (async (): Promise<FollowOutcome> => {
      const deadline = performance.now() + timeoutMs;
      if (identities.some((token) => this.instances.some(({ replica }) => replica.check(token) === true))) {
        throw new Error('a watched token is refused before it is revoked');
      }
      // Instances that cannot answer "not revoked" from memory send such checks to the database: safe, but slower.
      const fromMemory = this.instances.filter(({ replica }) => identities.every((token) => replica.check(token) === false)).length;
      markReady();
      const refused = identities.map(() => new Array<boolean>(this.size).fill(false));
      const remaining = identities.map(() => this.size);
      const refusedByAllAt = identities.map(() => Number.NaN);
      const lastAcceptedAt = identities.map(() => Number.NaN);
      let pending = identities.length;
      let checks = 0;
      let unanswered = 0;
      while (pending > 0 && performance.now() < deadline) {
        const now = epochNow();
        identities.forEach((token, t) => {
          if (remaining[t] === 0) return;
          this.instances.forEach(({ replica }, i) => {
            if (refused[t]![i]) return;
            const verdict = replica.check(token);
            checks++;
            if (verdict === undefined) unanswered++;
            if (verdict === false) lastAcceptedAt[t] = now;
            if (verdict !== true) return;
            refused[t]![i] = true;
            if (--remaining[t]! === 0) {
              refusedByAllAt[t] = now;
              pending--;
            }
          });
        });
        await sleep(1);
      }
      return { refusedByAllAt, lastAcceptedAt, checks, unanswered, fromMemory };
    })();
    outcome.catch(markFailed);
    return { ready, outcome };
  }

  async stop(): Promise<void> {
    await Promise.all(this.instances.map(async ({ feed, prisma, standbyPrisma }) => {
      await feed.stop();
      await prisma.$disconnect();
      await standbyPrisma?.$disconnect();
    }));
  }
}

function withApplicationName(databaseUrl: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('application_name', FLEET_POOL_APPLICATION_NAME);
  return url.toString();
}

async function createListenClient(connectionString: string): Promise<FeedClient> {
  return new pg.Client({ connectionString, connectionTimeoutMillis: 5_000, keepAlive: true, application_name: REPLICA_APPLICATION_NAME });
}
