/** Injection token of the resolved options (internal: not exported by the index). */
export const RESOLVED_OPTIONS = Symbol('TokenTrackingResolvedOptions');
