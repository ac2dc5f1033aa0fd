/** Every message a client can see, in one place so they stay consistent. */
export const ErrorMessages = {
  MAX_SESSIONS_EXCEEDED: 'maximum concurrent sessions exceeded',
  TOKEN_REVOKED: 'token is already revoked',
  TOKEN_EXPIRED: 'token has expired',
  TOKEN_NOT_YET_VALID: 'token is not valid yet (nbf is in the future)',
  TOKEN_MALFORMED: 'invalid token: not a well-formed signed JWT',
  TOKEN_TOO_LARGE: 'token too large',
  TOKEN_TOO_SMALL: 'invalid token: too short to be a JWT',
  INVALID_SIGNATURE: 'invalid token: signature verification failed',
  ALGORITHM_NOT_ALLOWED: 'invalid token: signing algorithm not allowed',
  INVALID_CLAIMS: 'invalid token: required claims are missing or malformed',
  ISSUER_INVALID: 'issuer validation failed',
  AUDIENCE_INVALID: 'audience validation failed',
  TRACKING_DISABLED: 'user token tracking is not enabled (set trackUserTokens: true)',
  TOKEN_MISSING: 'no bearer token: send it as `Authorization: Bearer <token>`',
  ADMIN_ACCESS_DENIED: 'admin access denied',
  ADMIN_ACCESS_NOT_CONFIGURED:
    'admin routes refuse every request until an authorization hook is configured (adminRoutes.authorize)',
  STORE_UNAVAILABLE: 'the token store is unavailable; the request was refused rather than trusted',
} as const;
