import { randomBytes } from 'node:crypto';
import { TokenUse } from '../store/tracked-session.js';

/** A freshly signed token and what was recorded about it. */
export interface GeneratedToken {
  readonly token: string;
  readonly jti: string;
  readonly sessionId: string;
  readonly tokenUse: TokenUse;
  readonly userId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** The `kid` of the key that signed it. */
  readonly keyId: string;
}

/** An access token and the refresh token of the same session. */
export interface TokenPair {
  readonly accessToken: GeneratedToken;
  readonly refreshToken: GeneratedToken;
  readonly sessionId: string;
}

/** 32 random bytes: 256 bits, 43 base64url characters (as Blueprint's jti). */
export function newTokenId(): string {
  return randomBytes(32).toString('base64url');
}
