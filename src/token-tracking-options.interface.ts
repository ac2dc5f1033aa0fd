import { AsymmetricAlgorithm, HmacAlgorithm } from './jws/signing-algorithm.js';
import { KeyInput } from './jws/signing-keys.js';
import { TokenTrackingPrismaClient } from './store/prisma-client.interface.js';
import type { JwtFromRequest } from './http/tracked-jwt.strategy.js';
import { SessionLimitPolicy, TokenStore } from './store/token-store.interface.js';

/** Sign with a shared secret (HMAC). */
export interface HmacSigningOptions {
  /** Default `HS256`. */
  algorithm?: HmacAlgorithm;
  /**
   * The shared secret: at least as many bytes as the hash (32 for HS256, 48
   * for HS384, 64 for HS512). Shorter secrets are refused at startup.
   */
  secret: KeyInput;
  /** Written to the `kid` header when set. */
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
  /** Written to the `kid` header when set. */
  keyId?: string;
}

export type TokenSigningOptions = HmacSigningOptions | AsymmetricSigningOptions;

export interface TokenTrackingModuleOptions {
  /**
   * The application's Prisma client, whose schema contains this library's
   * models (see the README). Required unless `store` is given.
   */
  prisma?: TokenTrackingPrismaClient;
  /** A custom `TokenStore`; replaces the Prisma one. It must honour the whole contract. */
  store?: TokenStore;
  /** How tokens are signed. Only the configured algorithm is ever accepted. */
  signing: TokenSigningOptions;
  /** `iss` of every token; verification requires it. */
  issuer: string;
  /**
   * `aud` of every token (issued as an array); verification requires the
   * token to name at least one of these.
   */
  audience: string | string[];
  /** Lifetime of a token in seconds. Default 86400 (one day). */
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
   * the oldest active session in the same atomic step that records the new one.
   */
  sessionLimitPolicy?: SessionLimitPolicy;
  /** Lifetime of a refresh token in seconds (`generateTokenPair`). Default 2592000 (30 days). */
  refreshExpiresIn?: number;
  /**
   * Seconds after a refresh during which the exchanged refresh token may be
   * exchanged again (parallel requests from one client). Later reuse revokes
   * the session. Default 10.
   */
  refreshGraceSeconds?: number;
  /**
   * The guard records a session's last use at most once per this many
   * seconds per token, off the request path. 0 turns it off. Default 60.
   */
  lastUsedIntervalSeconds?: number;
  /** The scheduled purge of expired rows; `false` turns it off. */
  purge?: PurgeOptions | false;
  /**
   * Answer revocation checks from memory, kept in sync across instances by
   * PostgreSQL LISTEN/NOTIFY, instead of one query per request. Off unless
   * given (it needs its own connection, which Prisma cannot provide).
   */
  revocationCache?: RevocationCacheOptions | false;
  /**
   * When the revocation check cannot reach the database: `reject` (default)
   * refuses the request (503 in the guard); `accept-signed` lets a validly
   * signed, unexpired token through without the check — availability over
   * revocation, logged every 30 s while it lasts.
   */
  whenStoreUnavailable?: 'reject' | 'accept-signed';
  /** Longest token accepted, in characters. Default 8192. */
  maxTokenSize?: number;
  /** Seconds of clock skew tolerated when checking `exp` and `nbf`. Default 0. */
  clockToleranceSeconds?: number;
  /**
   * Where `TrackedJwtGuard` finds the token: any passport-jwt extractor.
   * Default `ExtractJwt.fromAuthHeaderAsBearerToken()`.
   */
  jwtFromRequest?: JwtFromRequest;
  /** Milliseconds since the epoch; replace only in tests. Default `Date.now`. */
  clock?: () => number;
}

export interface PurgeOptions {
  /** Seconds between runs. Default 3600. */
  intervalSeconds?: number;
  /** Rows deleted per statement. Default 5000. */
  batchSize?: number;
  /**
   * Seconds an expired or revoked session's rows are kept after expiry, for
   * audit. Default 0. (Deny-list entries always live exactly as long as the
   * token could still be accepted.)
   */
  retentionSeconds?: number;
  /** A run stops starting batches after this many seconds; the next continues. Default 300. */
  maxDurationSeconds?: number;
}

export interface RevocationCacheOptions {
  /** The same database as the Prisma client, for one LISTEN connection (`pg` must be installed). */
  connectionString: string;
  /** Most verdicts kept in memory (about 200 bytes each). Default 100000. */
  maxEntries?: number;
  /** A verdict is re-checked after this many seconds, whatever the notifications say. Default 60. */
  maxAgeSeconds?: number;
  /** Seconds between liveness checks of the LISTEN connection (also their timeout). Default 2. */
  heartbeatSeconds?: number;
}
