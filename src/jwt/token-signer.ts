import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { IssuingDisabledError } from '../errors/issuing-disabled.error.js';
import { signJws } from '../jws/jws-codec.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { TokenUse } from '../store/tracked-session.js';
import { REFRESH_TOKEN_USE } from './token-claims.js';

/**
 * A session's first tokens leave this many characters under `maxTokenSize`,
 * so that its refreshed tokens still fit: a later `iat` may need four more
 * bytes of JSON (".123") for its milliseconds, which base64url spells in up
 * to six characters.
 */
export const TOKEN_SIZE_SLACK = 6;

/** Everything that differs between two tokens the library signs. */
export interface TokenContent {
  readonly jti: string;
  readonly userId: string;
  readonly sessionId: string;
  readonly tokenUse: TokenUse;
  /** Milliseconds; `iat` carries them (RFC 7519 allows a fractional NumericDate). */
  readonly issuedAtMs: number;
  /** Whole seconds. */
  readonly expiresAtSeconds: number;
  /** Milliseconds; `auth_time`. */
  readonly sessionStartedAtMs: number;
  readonly data: Readonly<Record<string, unknown>>;
}

export interface SignedToken {
  readonly token: string;
  /** The `kid` of the key that signed it. */
  readonly keyId: string;
}

/**
 * Builds the claims of a token and signs them with the current signing key.
 * The same content always gives the same claims, which is what lets a
 * refresh retried within the grace period hand back the same tokens.
 */
export class TokenSigner {
  constructor(private readonly options: ResolvedTokenTrackingOptions) {}

  /** False on a verify-only instance. */
  get canSign(): boolean {
    return this.options.keys.signingKey !== null;
  }

  /**
   * `reserve`: characters to leave under `maxTokenSize`; a session's first
   * tokens leave `TOKEN_SIZE_SLACK` so that its refreshed ones still fit.
   */
  sign(content: TokenContent, reserve = 0): SignedToken {
    const key = this.options.keys.signingKey;
    if (!key) throw new IssuingDisabledError();
    const token = signJws({
      iss: this.options.issuer,
      sub: content.userId,
      aud: [...this.options.audiences],
      exp: content.expiresAtSeconds,
      nbf: Math.floor(content.issuedAtMs / 1000),
      // Milliseconds make a revoke-all exact: a login in the same second after it stays valid.
      iat: content.issuedAtMs / 1000,
      jti: content.jti,
      // A token issued alone is its own session and carries no `sid`.
      ...(content.sessionId === content.jti ? {} : { sid: content.sessionId }),
      ...(content.tokenUse === 'refresh' ? { token_use: REFRESH_TOKEN_USE } : {}),
      auth_time: content.sessionStartedAtMs / 1000,
      ...(Object.keys(content.data).length > 0 ? { data: content.data } : {}),
    }, key);
    if (token.length > this.options.maxTokenSize - reserve) {
      throw new InvalidArgumentError(
        `the token would be ${token.length} characters long, over maxTokenSize (${this.options.maxTokenSize})` +
          (reserve > 0 ? ` less ${reserve} kept for later refreshes` : '') + ': put less in data, or raise maxTokenSize',
      );
    }
    return { token, keyId: key.kid };
  }
}
