import { AudienceMismatchError } from '../errors/audience-mismatch.error.js';
import { ErrorMessages } from '../errors/error-catalog.js';
import { InvalidClaimsError } from '../errors/invalid-claims.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { IssuerMismatchError } from '../errors/issuer-mismatch.error.js';
import { SessionExpiredError } from '../errors/session-expired.error.js';
import { TokenExpiredError } from '../errors/token-expired.error.js';
import { TokenNotYetValidError } from '../errors/token-not-yet-valid.error.js';
import { TokenTooLargeError } from '../errors/token-too-large.error.js';
import { parseJws, verifyJws } from '../jws/jws-codec.js';
import { ResolvedTokenTrackingOptions } from '../options/resolved-options.js';
import { MAX_ID_LENGTH, MAX_NUMERIC_DATE, MAX_USER_ID_LENGTH } from '../validation/limits.js';
import { isStorableText } from '../validation/storable-text.js';
import { ACCESS_TOKEN_USE, REFRESH_TOKEN_USE, VerifiedToken } from './token-claims.js';

/** Shortest string that can be a signed JWT; anything shorter is not worth parsing. */
const MIN_TOKEN_LENGTH = 20;

/**
 * Every check that needs no database: size, then the signature with the key
 * the token names and that key's pinned algorithm, then the claims. Nothing
 * reaches the store before this has passed, and whatever passes can be
 * stored and represented: ids of storable text and bounded length, dates
 * between 1970 and 9999.
 */
export class TokenVerifier {
  constructor(private readonly options: ResolvedTokenTrackingOptions) {}

  async verify(token: unknown): Promise<VerifiedToken> {
    return this.verifyNow(token);
  }

  /**
   * `verify` answering at once when the key is at hand (any local key):
   * the verified token, or a synchronous throw. A Promise only when the key
   * must be fetched (a JWKS). For the per-request path, where every Promise
   * is an allocation and a turn of the microtask queue.
   */
  verifyNow(token: unknown): VerifiedToken | Promise<VerifiedToken> {
    if (typeof token !== 'string') throw new InvalidTokenError('invalid token: expected a string');
    if (token.length < MIN_TOKEN_LENGTH) throw new InvalidTokenError(ErrorMessages.TOKEN_TOO_SMALL);
    if (token.length > this.options.maxTokenSize) throw new TokenTooLargeError();
    const jws = parseJws(token);
    const keyId = typeof jws.header.kid === 'string' ? jws.header.kid : null;
    const found = this.options.keys.keyFor(jws.header);
    if (found instanceof Promise) return found.then((key) => this.checkClaims(verifyJws(jws, key), keyId));
    return this.checkClaims(verifyJws(jws, found), keyId);
  }

  private checkClaims(claims: Record<string, unknown>, keyId: string | null): VerifiedToken {
    const { sub, jti, sid, iat, exp, nbf, auth_time: authTime, token_use: tokenUse, data } = claims;
    if (
      !isId(sub, MAX_USER_ID_LENGTH) || !isId(jti, MAX_ID_LENGTH) || (sid !== undefined && !isId(sid, MAX_ID_LENGTH)) ||
      !isNumericDate(iat) || !isNumericDate(exp) ||
      (nbf !== undefined && !isNumericDate(nbf)) ||
      (authTime !== undefined && !isNumericDate(authTime)) ||
      (tokenUse !== undefined && tokenUse !== REFRESH_TOKEN_USE && tokenUse !== ACCESS_TOKEN_USE) ||
      (data !== undefined && !isPlainObject(data))
    ) {
      throw new InvalidClaimsError();
    }
    const nowSeconds = this.options.clock() / 1000;
    const tolerance = this.options.clockToleranceSeconds;
    const maxLifetime = this.options.sessionMaxLifetimeSeconds;
    const sessionEnd = maxLifetime !== null && authTime !== undefined ? authTime + maxLifetime : null;
    // Before `exp`, so that a token clamped to its session's end says why it stopped.
    if (sessionEnd !== null && nowSeconds >= sessionEnd + tolerance) throw new SessionExpiredError();
    if (nowSeconds >= exp + tolerance) {
      // `exp` is whole seconds, so a token clamped to its session's end
      // expires up to a second before the session does: that is the session ending.
      throw sessionEnd !== null && exp >= Math.floor(sessionEnd) ? new SessionExpiredError() : new TokenExpiredError();
    }
    if (nbf !== undefined && nowSeconds + tolerance < nbf) throw new TokenNotYetValidError();
    // A token "issued in the future" would escape a revoke-all watermark set now.
    if (nowSeconds + tolerance < iat) throw new TokenNotYetValidError(ErrorMessages.TOKEN_ISSUED_IN_FUTURE);
    // A session "begun in the future" would outlive sessionMaxLifetime.
    if (authTime !== undefined && nowSeconds + tolerance < authTime) {
      throw new TokenNotYetValidError(ErrorMessages.SESSION_STARTED_IN_FUTURE);
    }
    if (claims.iss !== this.options.issuer) throw new IssuerMismatchError();
    if (!this.hasAcceptedAudience(claims.aud)) throw new AudienceMismatchError();
    return {
      jti,
      userId: sub,
      sessionId: (sid as string | undefined) ?? jti,
      tokenUse: tokenUse === REFRESH_TOKEN_USE ? 'refresh' : 'access',
      issuedAt: new Date(Math.round(iat * 1000)),
      expiresAt: new Date(Math.round(exp * 1000)),
      sessionStartedAt: authTime === undefined ? null : new Date(Math.round(authTime * 1000)),
      keyId,
      data: (data as Record<string, unknown> | undefined) ?? {},
      claims,
    };
  }

  private hasAcceptedAudience(aud: unknown): boolean {
    const presented = Array.isArray(aud) ? aud : [aud];
    return presented.some((value) => typeof value === 'string' && this.options.audiences.includes(value));
  }
}

/** A NumericDate (RFC 7519) from 1970 to the end of 9999: representable by PostgreSQL and `Date` alike. */
function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= MAX_NUMERIC_DATE;
}

function isId(value: unknown, maxLength: number): value is string {
  return typeof value === 'string' && value !== '' && value.length <= maxLength && isStorableText(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
