export { TokenTrackingModule } from './token-tracking.module.js';
export {
  DEFAULT_ADMIN_ROUTES_PATH,
  DEFAULT_SESSION_ROUTES_PATH,
  TOKEN_TRACKING_MODULE_OPTIONS,
} from './token-tracking.module-definition.js';
export type { SessionRoutesOptions, TokenTrackingModuleExtras } from './token-tracking.module-definition.js';
export { TokenTrackingService } from './token-tracking.service.js';
export type { GeneratedToken, RevokeOptions, TokenPair } from './token-tracking.service.js';
export type {
  AsymmetricSigningOptions,
  HmacSigningOptions,
  PurgeOptions,
  RevocationCacheOptions,
  TokenSigningOptions,
  TokenTrackingModuleOptions,
} from './token-tracking-options.interface.js';
export { issueContextFromRequest } from './issue-context.js';
export type { IssueContextSource, RequestLike, TokenIssueContext } from './issue-context.js';
export type { VerifiedToken } from './jwt/token-claims.js';
export { TokenVerifier } from './jwt/token-verifier.js';
export { SIGNING_ALGORITHMS } from './jws/signing-algorithm.js';
export type { SigningAlgorithm } from './jws/signing-algorithm.js';
export type { KeyInput } from './jws/signing-keys.js';
export { TokenStore } from './store/token-store.interface.js';
export type {
  IssuedTokenRecord,
  PageRequest,
  PurgeOutcome,
  PurgeRequest,
  RevocationOutcome,
  RevocationRequest,
  RevokedSessions,
  RotationOutcome,
  RotationRequest,
  SessionLimit,
  SessionLimitPolicy,
  TokenIdentity,
} from './store/token-store.interface.js';
export type { TokenUse, TrackedSession, TrackedToken } from './store/tracked-session.js';
export { PrismaTokenStore } from './store/prisma-token-store.js';
export type { TokenTrackingPrismaClient } from './store/prisma-client.interface.js';
export { TrackedJwtGuard } from './http/tracked-jwt.guard.js';
export { TrackedJwtStrategy, TRACKED_JWT_STRATEGY } from './http/tracked-jwt.strategy.js';
export type { JwtFromRequest } from './http/tracked-jwt.strategy.js';
export { Public } from './http/public.decorator.js';
export { CurrentSession } from './http/current-session.decorator.js';
export { TokenTrackingExceptionFilter } from './http/token-tracking-exception.filter.js';
export { TokenTrackingHttpException } from './http/token-tracking-http.exception.js';
export type { TokenTrackingErrorBody } from './http/token-tracking-http.exception.js';
export { httpStatusOf } from './http/http-error-status.js';
export type { AdminAuthorizePredicate, AdminRoutesOptions } from './http/admin-access.guard.js';
export { SessionsController } from './http/sessions.controller.js';
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
export { describePurge, runPurgeCommand } from './lifecycle/purge-command.js';
export { RevocationChecker } from './sync/revocation-checker.js';
export { REVOCATION_CHANNEL } from './sync/revocation-channel.js';
export * from './errors/index.js';
