import { AudienceMismatchError } from '../errors/audience-mismatch.error.js';
import { ErrorMessages } from '../errors/error-messages.js';
import { InvalidClaimsError } from '../errors/invalid-claims.error.js';
import { InvalidTokenError } from '../errors/invalid-token.error.js';
import { IssuerMismatchError } from '../errors/issuer-mismatch.error.js';
import { TokenExpiredError } from '../errors/token-expired.error.js';
import { TokenNotYetValidError } from '../errors/token-not-yet-valid.error.js';
import { TokenTooLargeError } from '../errors/token-too-large.error.js';
import { MAX_ID_LENGTH } from '../limits.js';
import { ResolvedTokenTrackingOptions } from '../resolved-options.js';
import { REFRESH_TOKEN_USE, VerifiedToken } from './token-claims.js';

/** Shortest string that can be a signed JWT; anything shorter is not worth parsing. */
const MIN_TOKEN_LENGTH = 20;

/**
 * Every check that needs no database: size, then the signature with the
 * pinned algorithm, then the claims. Nothing reaches the store before this
 * has passed.
 */
export class TokenVerifier {
  constructor(private readonly options: ResolvedTokenTrackingOptions) {}

  verify(token: unknown): VerifiedToken {
    if (typeof token !== 'string') throw new InvalidTokenError('invalid token: expected a string');
    if (token.length < MIN_TOKEN_LENGTH) throw new InvalidTokenError(ErrorMessages.TOKEN_TOO_SMALL);
    if (token.length > this.options.maxTokenSize) throw new TokenTooLargeError();
    const { payload } = this.options.codec.verify(token);
    return this.checkClaims(payload);
  }

  private checkClaims(claims: Record<string, unknown>): VerifiedToken {
    const { sub, jti, sid, iat, exp, nbf, data } = claims;
    if (
      typeof sub !== 'string' || sub === '' ||
      typeof jti !== 'string' || jti === '' || jti.length > MAX_ID_LENGTH ||
      (sid !== undefined && (typeof sid !== 'string' || sid === '' || sid.length > MAX_ID_LENGTH)) ||
      !isNumericDate(iat) || !isNumericDate(exp) ||
      (nbf !== undefined && !isNumericDate(nbf)) ||
      (data !== undefined && !isPlainObject(data))
    ) {
      throw new InvalidClaimsError();
    }
    const nowSeconds = this.options.clock() / 1000;
    const tolerance = this.options.clockToleranceSeconds;
    if (nowSeconds >= exp + tolerance) throw new TokenExpiredError();
    if (nbf !== undefined && nowSeconds + tolerance < nbf) throw new TokenNotYetValidError();
    if (claims.iss !== this.options.issuer) throw new IssuerMismatchError();
    if (!this.hasAcceptedAudience(claims.aud)) throw new AudienceMismatchError();
    return {
      jti,
      userId: sub,
      sessionId: (sid as string | undefined) ?? jti,
      tokenUse: claims.token_use === REFRESH_TOKEN_USE ? 'refresh' : 'access',
      issuedAt: new Date(Math.round(iat * 1000)),
      expiresAt: new Date(Math.round(exp * 1000)),
      data: (data as Record<string, unknown> | undefined) ?? {},
      claims,
    };
  }

  private hasAcceptedAudience(aud: unknown): boolean {
    const presented = Array.isArray(aud) ? aud : [aud];
    return presented.some((value) => typeof value === 'string' && this.options.audiences.includes(value));
  }
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
