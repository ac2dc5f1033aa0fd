/** A tracked token as the store returns it: metadata only, never the token. */
export interface TrackedSession {
  readonly jti: string;
  readonly userId: string;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}
