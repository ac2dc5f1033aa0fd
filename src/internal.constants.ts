/** Injection token of the resolved options (internal: not exported by the index). */
export const RESOLVED_OPTIONS = Symbol.for('nestjs-token-tracking:resolved-options');

/** Injection token of the admin routes' options (internal). */
export const ADMIN_ROUTES_OPTIONS = Symbol.for('nestjs-token-tracking:admin-routes-options');

/** Injection token of the JWKS route's options (internal). */
export const JWKS_ROUTE_OPTIONS = Symbol.for('nestjs-token-tracking:jwks-route-options');

/** Injection token of the dashboard's configuration (internal). */
export const DASHBOARD_OPTIONS = Symbol.for('nestjs-token-tracking:dashboard-options');

/** Injection token of the resolved browser-session settings (internal). */
export const BROWSER_SESSIONS_OPTIONS = Symbol.for('nestjs-token-tracking:browser-sessions-options');
