export { TokenTrackingModule } from './token-tracking.module.js';
export { TokenTrackingService } from './token-tracking.service.js';
export type { GeneratedToken } from './token-tracking.service.js';
export type {
  AsymmetricSigningOptions,
  HmacSigningOptions,
  TokenSigningOptions,
  TokenTrackingModuleOptions,
} from './token-tracking-options.interface.js';
export { TOKEN_TRACKING_MODULE_OPTIONS } from './token-tracking.module-definition.js';
export type { TokenIssueContext } from './issue-context.js';
export type { VerifiedToken } from './jwt/token-claims.js';
export { TokenVerifier } from './jwt/token-verifier.js';
export { SIGNING_ALGORITHMS } from './jws/signing-algorithm.js';
export type { SigningAlgorithm } from './jws/signing-algorithm.js';
export type { KeyInput } from './jws/signing-keys.js';
export { TokenStore } from './store/token-store.interface.js';
export type {
  IssuedTokenRecord,
  RevocationOutcome,
  RevocationRequest,
  SessionLimit,
  TokenIdentity,
} from './store/token-store.interface.js';
export type { TrackedSession } from './store/tracked-session.js';
export { PrismaTokenStore } from './store/prisma-token-store.js';
export type { TokenTrackingPrismaClient } from './store/prisma-client.interface.js';
export * from './errors/index.js';
