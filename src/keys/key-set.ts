import { UnknownKeyError } from '../errors/unknown-key.error.js';
import { JwsHeader } from '../jws/jws-codec.js';
import { JwsKey } from '../jws/signing-keys.js';

/** Whether the last attempt to get a key from a remote JWKS worked (null: none yet). */
export interface RemoteKeyStatus {
  readonly available: boolean | null;
  /**
   * Why the last attempt failed, in a few stable words (health answers show
   * it); the URL and the fetch's own error go to the log.
   */
  readonly lastError: string | null;
}

/** What a key set needs from a remote JWKS: the key a token's header names. */
export interface RemoteKeySource {
  keyFor(header: JwsHeader): Promise<JwsKey>;
  readonly status: RemoteKeyStatus;
  /** Fetches the key set (or finds it cached), only to update `status`; never throws. */
  probe(): Promise<void>;
  /** Loads what it needs at startup, so that a missing dependency stops the start, not a request. */
  warmUp(): Promise<void>;
}

/** The `kid` of a single-key configuration; a token without `kid` is verified with the key of this id. */
export const DEFAULT_KEY_ID = 'default';

/**
 * The keys of an instance: at most one that signs, any number that verify,
 * each found by the `kid` a token carries. A token without `kid` (issued
 * before tokens carried one) is verified with the key named "default", or
 * with the only key there is.
 */
export class KeySet {
  private readonly byKid: ReadonlyMap<string, JwsKey>;

  constructor(
    verificationKeys: readonly JwsKey[],
    readonly signingKey: JwsKey | null,
    private readonly remote: RemoteKeySource | null = null,
  ) {
    this.byKid = new Map(verificationKeys.map((key) => [key.kid, key]));
  }

  /** The keys tokens are verified with (empty for a remote key set). */
  get verificationKeys(): readonly JwsKey[] {
    return [...this.byKid.values()];
  }

  async warmUp(): Promise<void> {
    await this.remote?.warmUp();
  }

  /** For a key set read from a JWKS URL, how fetching it goes; null otherwise. */
  get remoteStatus(): RemoteKeyStatus | null {
    return this.remote?.status ?? null;
  }

  /** For a key set read from a JWKS URL, tries to fetch it now (health checks before any request). */
  async probeRemote(): Promise<void> {
    await this.remote?.probe();
  }

  keyFor(header: JwsHeader): JwsKey | Promise<JwsKey> {
    if (this.remote) return this.remote.keyFor(header);
    const { kid } = header;
    if (kid === undefined) {
      const fallback = this.byKid.get(DEFAULT_KEY_ID) ?? (this.byKid.size === 1 ? this.byKid.values().next().value : undefined);
      if (fallback) return fallback;
      throw new UnknownKeyError();
    }
    const key = typeof kid === 'string' ? this.byKid.get(kid) : undefined;
    if (!key) throw new UnknownKeyError();
    return key;
  }
}
