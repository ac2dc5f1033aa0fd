/**
 * passport-jwt's extractor signature (`ExtractJwt.*`): the raw token of a
 * request, or null. The request type is the HTTP framework's own.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JwtFromRequest = (request: any) => string | null;
