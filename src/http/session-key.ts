/** Where the guard leaves the verified token on the request, next to `request.user` (which `resolveUser` may replace). */
export const VERIFIED_SESSION = Symbol.for('nestjs-token-tracking:verified-session');
