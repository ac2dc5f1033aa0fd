/** Injection token of the resolved options (internal: not exported by the index). */
export const RESOLVED_OPTIONS = Symbol('TokenTrackingResolvedOptions');

/** Injection token of the admin routes' options (internal). */
export const ADMIN_ROUTES_OPTIONS = Symbol('TokenTrackingAdminRoutesOptions');
