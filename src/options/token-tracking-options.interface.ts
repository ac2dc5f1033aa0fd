import type { AsymmetricAlgorithm, HmacAlgorithm, SigningAlgorithm } from '../jws/signing-algorithm.js';
import type { KeyInput } from '../jws/signing-keys.js';
import type { VerifiedToken } from '../jwt/token-claims.js';
import type { TokenTrackingPrismaClient } from '../store/prisma-client.interface.js';
import type { SessionLimitPolicy, TokenStore } from '../store/token-store.interface.js';
import type { JwtFromRequest } from './jwt-from-request.js';

/** Sign with a shared secret (HMAC). */
export interface HmacSigningOptions {
  /** Default `HS256`. */
  algorithm?: HmacAlgorithm;
  /**
   * The shared secret: at least as many bytes as the hash (32 for HS256, 48
   * for HS384, 64 for HS512). Shorter secrets are refused at startup.
   */
  secret: KeyInput;
  /** The `kid` written to every token. Default `"default"`. */
  keyId?: string;
}

/** Sign with a private key; verify with its public key. */
export interface AsymmetricSigningOptions {
  /** RS256/384/512 (RSA of 2048 bits or more), ES256/384/512 (P-256/384/521), EdDSA (Ed25519/Ed448). */
  algorithm: AsymmetricAlgorithm;
  /** PEM text, DER bytes or a KeyObject. */
  privateKey: KeyInput;
  /** Derived from `privateKey` when omitted. */
  publicKey?: KeyInput;
  /** The `kid` written to every token. Default `"default"`. */
  keyId?: string;
}

/** One key of a key set: its id, its algorithm (pinned: a token naming another is refused) and its material. */
export type KeyOptions =
  | { kid: string; algorithm: HmacAlgorithm; secret: KeyInput }
  | { kid: string; algorithm: AsymmetricAlgorithm; privateKey: KeyInput; publicKey?: KeyInput }
  /** Verifies only: tokens it signed keep working until they expire; nothing new is signed with it. */
  | { kid: string; algorithm: AsymmetricAlgorithm; publicKey: KeyInput };

/**
 * Several keys, for rotation without logging anyone out: one signs, the
 * others only verify (see docs/keys.md). A token is verified with the key
 * its `kid` names, and only with that key's algorithm.
 */
export interface KeySetSigningOptions {
  keys: KeyOptions[];
  /**
   * The `kid` of the key that signs new tokens. Default: the first key that
   * can sign (has a secret or a private key). With no key able to sign, the
   * instance verifies only.
   */
  signWith?: string;
}

/**
 * Verify only, with the public keys another service publishes as a JWKS
 * (RFC 7517). Needs the optional peer dependency `jose`. Such an instance
 * cannot issue tokens; it checks revocations in the same database.
 */
export interface RemoteKeySetOptions {
  jwksUrl: string;
  /** Algorithms accepted from that key set (a key's own `alg` must also match). */
  algorithms: AsymmetricAlgorithm[];
  /** Seconds a fetched key set is used before it is fetched again. Default 600. */
  cacheMaxAgeSeconds?: number;
  /**
   * Milliseconds a fetch of the key set may take; past it the fetch counts as
   * failed (503 `KEYS_UNAVAILABLE` while no key set is cached). Default 5000.
   */
  fetchTimeoutMs?: number;
}

export type TokenSigningOptions = HmacSigningOptions | AsymmetricSigningOptions | KeySetSigningOptions | RemoteKeySetOptions;

/**
 * Turns a verified token into the application's user for `request.user`
 * (like `PassportStrategy.validate`); return null or undefined to refuse the
 * request (401 USER_REJECTED). The verified token stays available through
 * `@CurrentSession()`.
 */
export type ResolveUser<TUser = unknown> = (session: VerifiedToken, request: unknown) => TUser | null | undefined | Promise<TUser | null | undefined>;

export interface TokenTrackingModuleOptions {
  /**
   * The application's Prisma client, whose schema contains this library's
   * models (prisma/schema/token-tracking.prisma). Required unless `store` is given.
   */
  prisma?: TokenTrackingPrismaClient;
  /** A custom `TokenStore`; replaces the Prisma one. It must honour the whole contract. */
  store?: TokenStore;
  /** How tokens are signed and verified. Each key's algorithm is the only one accepted for it. */
  signing: TokenSigningOptions;
  /** `iss` of every token; verification requires it. */
  issuer: string;
  /**
   * `aud` of every token (issued as an array); verification requires the
   * token to name at least one of these.
   */
  audience: string | string[];
  /** Lifetime of an access token in seconds. Default 86400 (one day). */
  expiresIn?: number;
  /**
   * Record every issued token so sessions can be counted, listed and capped.
   * Default `true`. When off, revocation (one token or all of a user's)
   * still works; counting, listing and the cap do not.
   */
  trackUserTokens?: boolean;
  /** Most active sessions per user; 0 (the default) means unlimited. Requires tracking. */
  maxUserSessions?: number;
  /**
   * At the cap: `reject` the new login (default), or `evict-oldest`: revoke
   * the session recorded first, in the same atomic step that records the new
   * one. Each issuing call may override it (`{ sessionLimitPolicy }`).
   */
  sessionLimitPolicy?: SessionLimitPolicy;
  /** Lifetime of a refresh token in seconds (`generateTokenPair`). Default 2592000 (30 days). */
  refreshExpiresIn?: number;
  /**
   * Seconds after a refresh during which the exchanged refresh token may be
   * presented again and gets the same new pair back (parallel requests from
   * one client). Later reuse revokes the session. Default 10.
   */
  refreshGraceSeconds?: number;
  /**
   * Absolute session lifetime in seconds: no token of a session, access or
   * refresh, is valid after the session's start plus this, however often it
   * is refreshed. Off by default.
   */
  sessionMaxLifetime?: number;
  /**
   * Idle timeout in seconds: a session with no login, refresh or guarded
   * request for longer than this is over. Needs tracking, and at least twice
   * `lastUsedIntervalSeconds` (use is recorded at most once per interval).
   * Off by default. See docs/sessions.md for how precisely it is enforced.
   */
  sessionIdleTimeout?: number;
  /**
   * The guard records a session's last use at most once per this many
   * seconds, off the request path. 0 turns it off. Default 60.
   */
  lastUsedIntervalSeconds?: number;
  /** The scheduled purge of expired rows; `false` turns it off. */
  purge?: PurgeOptions | false;
  /**
   * Keep every revocation in memory, so that checking a token costs no
   * query. The replica follows the revocation log through the Prisma
   * client's own pool (any pooler, or a hot standby with `readFrom`), and,
   * given a direct or session-mode `connectionString`, LISTENs as well, so
   * that other instances' revocations apply within milliseconds. `true`
   * (or `{}`) polls only. Off unless given. See docs/revocation-replica.md.
   */
  revocationReplica?: RevocationReplicaOptions | boolean;
  /**
   * @deprecated Since 0.2.0: the name of `revocationReplica` in 0.1.
   * Accepted with a warning and read as `revocationReplica`; refused from
   * 0.4.0 on. Its `maxAgeSeconds` is ignored.
   */
  revocationCache?: RevocationCacheOptions | false;
  /**
   * When the revocation check cannot reach the database: `reject` (default)
   * refuses the request (503 in the guard); `accept-signed` lets a validly
   * signed, unexpired token through without the check — availability over
   * revocation, logged every 30 s while it lasts. Only an outage (not a
   * query error) opens this path.
   */
  whenStoreUnavailable?: 'reject' | 'accept-signed';
  /**
   * How long each database call may take before it counts as an outage
   * (503 `STORE_UNAVAILABLE`, or the `accept-signed` path for a check): a
   * database that stops answering never makes a request hang. See
   * docs/operations.md for the pool settings that go with them.
   */
  storeTimeouts?: StoreTimeoutOptions;
  /** Longest token accepted, in characters. Default 8192. */
  maxTokenSize?: number;
  /** Seconds of clock skew tolerated when checking `exp`, `nbf` and `iat`. Default 0. */
  clockToleranceSeconds?: number;
  /**
   * Where `TrackedJwtGuard` finds the token: any passport-jwt extractor.
   * Default the `Authorization: Bearer` header, as
   * `ExtractJwt.fromAuthHeaderAsBearerToken()` reads it, except that
   * anything after the token is refused (`TOKEN_MALFORMED`), not dropped.
   */
  jwtFromRequest?: JwtFromRequest;
  /** The application's user for `request.user`; by default the verified token itself. */
  resolveUser?: ResolveUser;
  /** Milliseconds since the epoch; replace only in tests. Default `Date.now`. */
  clock?: () => number;
}

/** Deadlines of the Prisma store's calls, in milliseconds (integers from 1 to 2147483647). */
export interface StoreTimeoutOptions {
  /** The revocation check of a guarded request. Default 1000. */
  revocationCheckMs?: number;
  /** Listing and counting sessions, finding a session to revoke, key usage, schema and health checks. Default 3000. */
  readMs?: number;
  /** Logins, refreshes, revocations, recording last use, ending idle sessions. Default 5000. */
  writeMs?: number;
}

export interface PurgeOptions {
  /** Seconds between runs. Default 3600. */
  intervalSeconds?: number;
  /** Rows deleted per statement. Default 5000. */
  batchSize?: number;
  /**
   * Seconds an ended session's rows are kept after its last token expired,
   * for audit. Default 0. (Deny-list entries always live exactly as long as
   * a token they cover could still be accepted.)
   */
  retentionSeconds?: number;
  /** A run stops starting batches after this many seconds; the next continues. Default 300. */
  maxDurationSeconds?: number;
}

export interface RevocationReplicaOptions {
  /**
   * A direct or session-mode connection string to the primary (not a
   * transaction-mode pooler, where LISTEN cannot work: a probe detects one
   * and says so), for one LISTEN connection; `pg` must be installed. With
   * it, other instances' revocations apply within milliseconds; without
   * it, within `pollIntervalMs`. Optional: the replica always follows the
   * revocation log through the Prisma client as well.
   */
  connectionString?: string;
  /**
   * Milliseconds between reads of the revocation log (one short indexed
   * statement through the Prisma client's pool). Without LISTEN, the time
   * a revocation made on another instance may take to apply here. Default
   * 1000.
   */
  pollIntervalMs?: number;
  /**
   * Milliseconds after the last successful read of the revocation log
   * after which this instance stops answering "not revoked" from memory
   * and asks the database (or refuses, under `whenUnsynced: 'reject'`):
   * the bound on how stale an answer can ever be, whatever fails. At least
   * twice `pollIntervalMs`. Default 5000.
   */
  maxStalenessMs?: number;
  /**
   * A Prisma client of a hot standby: the replica's loads and reads go
   * there, and its freshness is measured against the primary (the `prisma`
   * option), so a standby lagging by more than `maxStalenessMs` sends
   * checks to the primary. Writes never go to it.
   */
  readFrom?: TokenTrackingPrismaClient;
  /**
   * Most revocations held in memory (32 bytes each at most). Past it the
   * instance stays correct but asks the database for every token the
   * replica does not hold, and logs it. Default 2000000 (64 MiB).
   */
  maxEntries?: number;
  /**
   * Seconds between probes of the LISTEN connection: a notification sent
   * through the pool that must arrive within this long (else the
   * connection is made again, and the replica relies on polling meanwhile).
   * Default 2.
   */
  heartbeatSeconds?: number;
  /**
   * While the replica is not in sync (starting, reconnecting, over its
   * bound): `query-database` (default) checks each token in the database;
   * `reject` refuses requests with 503 until it is back in sync.
   */
  whenUnsynced?: 'query-database' | 'reject';
}

/** @deprecated Since 0.2.0: the options of `revocationCache`, now `RevocationReplicaOptions`. */
export interface RevocationCacheOptions {
  connectionString: string;
  maxEntries?: number;
  /** Ignored: the replica holds every revocation, so no verdict ages. */
  maxAgeSeconds?: number;
  heartbeatSeconds?: number;
}

export type { KeyInput, SigningAlgorithm };

/**
 * Browser sessions (module-shape: next to `sessionRoutes`): the refresh
 * token lives in an HttpOnly cookie that script cannot read, the access
 * token is returned in the body for the page to hold in memory, and every
 * route the cookie authenticates refuses requests that do not come from the
 * application's own origin. The bearer mode is unchanged. See
 * docs/browser-sessions.md.
 */
export interface BrowserSessionsOptions {
  /**
   * Prefix of the cookie routes: `POST <path>/refresh` and `POST <path>/logout`.
   * Default `auth/browser`.
   */
  path?: string;
  /** The refresh cookie. */
  cookie?: BrowserSessionCookieOptions;
  /** How requests are shown to come from the application's own pages. */
  csrf?: BrowserSessionCsrfOptions;
  /**
   * The application's sign-in page, where the dashboard sends a signed-out
   * person (absolute, or relative to the application's root). Default none:
   * the dashboard then only says that the person is signed out.
   */
  loginUrl?: string;
}

export interface BrowserSessionCookieOptions {
  /**
   * The cookie's name, without prefix: `__Host-` or `__Secure-` is put in
   * front of it (see `hostPrefix`). Default `token-tracking-refresh`.
   */
  name?: string;
  /**
   * `Secure`: sent over HTTPS only. Default true. `false` is for plain-HTTP
   * development on a machine of one's own, never for a deployment (the
   * refresh token then crosses the network in clear text). Chromium and
   * Firefox accept Secure cookies from `http://localhost` anyway.
   */
  secure?: boolean;
  /**
   * `SameSite`: `strict` (default) never sends the cookie on a request
   * another site starts; `lax` also sends it on top-level GET navigations
   * from other sites (which the POST-only cookie routes do not answer).
   */
  sameSite?: 'strict' | 'lax';
  /**
   * `Domain`, to share the cookie with subdomains. Default none (host-only),
   * which is also what the `__Host-` prefix requires: a cookie shared with
   * subdomains can be overwritten by any of them.
   */
  domain?: string;
  /**
   * The `__Host-` prefix: the browser keeps such a cookie only when it was
   * set by this very host over HTTPS with `Path=/` and no `Domain`, so a
   * sibling subdomain cannot plant ("toss") one of its own. It wins over a
   * narrow `Path`, which is no boundary within an origin. Default: on when
   * `secure` is on and neither `domain` nor `path` is given; otherwise the
   * cookie is `__Secure-` (when secure) with `Path` limited to the cookie
   * routes.
   */
  hostPrefix?: boolean;
  /**
   * `Path` when `hostPrefix` is off. Default `/<path>` of the cookie routes;
   * give the public path when a global prefix or a proxy that strips a
   * prefix stands in front of them (for example `/api/auth/browser`).
   */
  path?: string;
}

export interface BrowserSessionCsrfOptions {
  /**
   * Origins, besides the application's own, whose pages may use the cookie
   * routes (`https://app.example.com`, scheme and host and port exactly).
   * Default none.
   */
  allowedOrigins?: string[];
  /**
   * The request header every cookie route requires (any value): a page on
   * another origin cannot send it without a CORS preflight, which these
   * routes never grant. Default `x-token-tracking-csrf`.
   */
  header?: string;
}
