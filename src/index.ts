export { TokenTrackingModule } from './token-tracking.module.js';
export {
  DEFAULT_ADMIN_ROUTES_PATH,
  DEFAULT_DASHBOARD_PATH,
  DEFAULT_JWKS_PATH,
  DEFAULT_SESSION_ROUTES_PATH,
  TOKEN_TRACKING_MODULE_OPTIONS,
} from './token-tracking.module-definition.js';
export type { SessionRoutesOptions, TokenTrackingModuleExtras } from './token-tracking.module-definition.js';
export { TokenTrackingService } from './token-tracking.service.js';
export type { GeneratedToken, TokenPair } from './issuance/issued-tokens.js';
export type { IssueOptions } from './issuance/session-issuer.js';
export type { RevokeOptions } from './revocation/token-revoker.js';
export type {
  AsymmetricSigningOptions,
  BrowserSessionCookieOptions,
  BrowserSessionCsrfOptions,
  BrowserSessionsOptions,
  HmacSigningOptions,
  KeyInput,
  KeyOptions,
  KeySetSigningOptions,
  PurgeOptions,
  RemoteKeySetOptions,
  ResolveUser,
  RevocationCacheOptions,
  RevocationReplicaOptions,
  StoreTimeoutOptions,
  TokenSigningOptions,
  TokenTrackingModuleOptions,
} from './options/token-tracking-options.interface.js';
export type { JwtFromRequest } from './options/jwt-from-request.js';
export { issueContextFromRequest } from './issuance/issue-context.js';
export type { IssueContextSource, RequestLike, TokenIssueContext } from './issuance/issue-context.js';
export type { TokenData, VerifiedToken } from './jwt/token-claims.js';
export { TokenVerifier } from './jwt/token-verifier.js';
export { SIGNING_ALGORITHMS } from './jws/signing-algorithm.js';
export type { SigningAlgorithm } from './jws/signing-algorithm.js';
export { DEFAULT_KEY_ID } from './keys/key-set.js';
export type { JsonWebKeySet, JwksRouteOptions } from './keys/jwks.controller.js';
export type { DashboardOptions } from './dashboard/dashboard.controller.js';
export { describeDevice } from './dashboard/device.js';
export type { DeviceDescription } from './dashboard/device.js';
export { TokenStore } from './store/token-store.interface.js';
export type {
  ActiveSessionCriteria,
  IdleDeadline,
  IdleSessionsRevoked,
  IssuedTokenRecord,
  KeyUsage,
  LiveTokenCriteria,
  NewSession,
  PageRequest,
  PurgeOutcome,
  PurgeRequest,
  RecordedActivity,
  RecordedToken,
  RevocationStamp,
  RevokedSessions,
  RotationOutcome,
  RotationRequest,
  SessionLimit,
  SessionLimitPolicy,
  SessionRevocation,
  SessionRevocationOutcome,
  SessionUse,
  StartSessionOutcome,
  TokenDenial,
  TokenIdentity,
} from './store/token-store.interface.js';
export type { StoredSession, TokenUse, TrackedSession, TrackedToken } from './store/tracked-session.js';
export { PrismaTokenStore } from './store/prisma-token-store.js';
export type { TokenTrackingPrismaClient } from './store/prisma-client.interface.js';
export { REVOCATION_CHANNEL } from './store/revocation-announcements.js';
export { TrackedJwtGuard } from './http/tracked-jwt.guard.js';
export { TrackedJwtStrategy } from './http/tracked-jwt.strategy.js';
export { TRACKED_JWT_STRATEGY } from './http/tracked-jwt-strategy-name.js';
export { Public } from './http/public.decorator.js';
export { CurrentSession } from './http/current-session.decorator.js';
export { requestOf } from './http/request-of-context.js';
export { TokenTrackingExceptionFilter } from './http/token-tracking-exception.filter.js';
export { httpStatusOf, TokenTrackingHttpException } from './http/deprecated-http-errors.js';
export type { AdminAuthorizePredicate, AdminRoutesOptions } from './http/admin-access.guard.js';
export { SessionsController } from './http/sessions.controller.js';
export { BrowserSessionService } from './browser-sessions/browser-session.service.js';
export type { BrowserRequest, BrowserSessionTokens } from './browser-sessions/browser-session.service.js';
export { BrowserSessionsController } from './browser-sessions/browser-sessions.controller.js';
export { SameOriginGuard } from './browser-sessions/same-origin.guard.js';
export type { OriginCheckedRequest } from './browser-sessions/same-origin-check.js';
export { AdminSessionsController } from './http/admin-sessions.controller.js';
export { ErrorResponseDto, RevokedCountDto, SessionDto, SessionListDto } from './http/session.dto.js';
export {
  RefreshTokenReuseDetectedEvent,
  SessionsEvictedEvent,
  TokenIssuedEvent,
  TokenRefreshedEvent,
  TokensPurgedEvent,
  TokensRevokedEvent,
  TokenTrackingEvents,
} from './events/token-tracking.events.js';
export type { RevocationScope } from './events/token-tracking.events.js';
export { PurgeScheduler, PURGE_INTERVAL_NAME } from './lifecycle/purge-scheduler.js';
export type { PurgeRunReport } from './lifecycle/purge-scheduler.js';
export { TokenPurger } from './lifecycle/token-purger.js';
export { describePurge, runPurgeCommand } from './lifecycle/purge-command.js';
export { RevocationChecker } from './revocation/revocation-checker.js';
export type { ReplicaStatus } from './revocation/revocation-checker.js';
export { TokenTrackingHealthIndicator } from './observability/token-tracking-health.indicator.js';
export type { TokenTrackingHealth } from './observability/token-tracking-health.indicator.js';
export { METRIC as TOKEN_TRACKING_METRICS, REVOCATION_REASON_VALUES as TOKEN_TRACKING_REVOCATION_REASONS, SPAN as TOKEN_TRACKING_SPANS } from './observability/telemetry-names.js';
export * from './errors/index.js';
