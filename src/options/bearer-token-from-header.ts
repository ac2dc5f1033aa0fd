import { JwtFromRequest } from './jwt-from-request.js';

/**
 * The default `jwtFromRequest`: the token of an `Authorization: Bearer`
 * header, found as passport-jwt's `ExtractJwt.fromAuthHeaderAsBearerToken()`
 * finds it (the scheme in any case, whitespace around the token), or
 * null. One difference: what follows the token is not dropped. passport-jwt
 * would let `Bearer <token> <anything>` in on its first word; here the rest
 * goes to verification with the token, which refuses it as malformed, so
 * that the guard and code reading the header whole agree on what was sent.
 */
export const bearerTokenFromHeader: JwtFromRequest = (request: { headers?: Record<string, unknown> } | null | undefined) => {
  const header = request?.headers?.authorization;
  if (typeof header !== 'string') return null;
  const value = header.trim();
  const schemeEnd = value.search(/\s/);
  if (schemeEnd < 0 || value.slice(0, schemeEnd).toLowerCase() !== 'bearer') return null;
  return value.slice(schemeEnd + 1).trim() || null;
};
