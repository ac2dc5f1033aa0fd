import { TokenTrackingConfigurationError } from '../errors/configuration.error.js';
import type { DashboardOptions } from '../dashboard/dashboard.controller.js';
import type { AdminRoutesOptions } from '../http/admin-access.guard.js';
import type { JwksRouteOptions } from '../keys/jwks.controller.js';
import type { SessionRoutesOptions, TokenTrackingModuleExtras } from '../token-tracking.module-definition.js';
import { MAX_INT4, refuseUnknownOptions, requireBoolean, requireInteger, requireRoutePath } from './option-checks.js';

const SESSION_ROUTES_OPTIONS = ['path'] satisfies Array<keyof SessionRoutesOptions>;
const ADMIN_ROUTES_OPTIONS = ['path', 'authorize'] satisfies Array<keyof AdminRoutesOptions>;
const JWKS_ROUTE_OPTIONS = ['path', 'maxAgeSeconds'] satisfies Array<keyof JwksRouteOptions>;
const DASHBOARD_OPTIONS = ['path', 'tokenStorageKey'] satisfies Array<keyof DashboardOptions>;

/**
 * Checks the module-shape options when the module is defined, as the
 * others are checked at startup: a misspelt route option or a number that
 * cannot work stops the application with a message, rather than being
 * ignored or failing at the first request.
 */
export function checkModuleExtras(extras: TokenTrackingModuleExtras): void {
  if (extras.isGlobal !== undefined) requireBoolean(extras.isGlobal, 'isGlobal');
  routeOptions(extras.sessionRoutes, 'sessionRoutes', SESSION_ROUTES_OPTIONS);
  const adminRoutes = routeOptions(extras.adminRoutes, 'adminRoutes', ADMIN_ROUTES_OPTIONS);
  const jwksRoute = routeOptions(extras.jwksRoute, 'jwksRoute', JWKS_ROUTE_OPTIONS);
  const dashboard = routeOptions(extras.dashboard, 'dashboard', DASHBOARD_OPTIONS);
  if (adminRoutes?.authorize !== undefined && typeof adminRoutes.authorize !== 'function') {
    throw new TokenTrackingConfigurationError('adminRoutes.authorize must be a predicate (session, request) => boolean or a guard class');
  }
  if (jwksRoute?.maxAgeSeconds !== undefined) {
    // Cache-Control's delta-seconds: RFC 9111 caps what caches must understand at 2^31.
    requireInteger(jwksRoute.maxAgeSeconds, 'jwksRoute.maxAgeSeconds', 0, MAX_INT4);
  }
  if (dashboard?.tokenStorageKey !== undefined && (typeof dashboard.tokenStorageKey !== 'string' || dashboard.tokenStorageKey === '')) {
    throw new TokenTrackingConfigurationError('dashboard.tokenStorageKey must be a non-empty string');
  }
}

/** `true`, `false`, left out, or an object of known options, each `path` a string. */
function routeOptions<T extends { path?: string }>(value: boolean | T | undefined, name: string, known: readonly string[]): T | null {
  if (value === undefined || typeof value === 'boolean') return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenTrackingConfigurationError(`${name} must be true, false or an object of ${known.join(', ')} (got ${String(value)})`);
  }
  refuseUnknownOptions(value, name, known);
  if (value.path !== undefined) requireRoutePath(value.path, `${name}.path`);
  return value;
}
