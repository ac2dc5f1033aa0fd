import { Test } from '@nestjs/testing';
import {
  TokenStore,
  TokenTrackingModule,
  TokenTrackingModuleOptions,
  TokenTrackingPrismaClient,
  TokenTrackingService,
} from '../../src/index.js';

export const TEST_SECRET = Buffer.from('an-hs256-test-secret-of-32-bytes!!', 'utf8');
export const TEST_ISSUER = 'token-tracking-tests';
export const TEST_AUDIENCE = 'api';

/** An application instance with the module wired as a user would wire it. */
export interface TokenTrackingApp {
  readonly tokens: TokenTrackingService;
  readonly store: TokenStore;
  close(): Promise<void>;
}

export async function startTokenTracking(
  prisma: TokenTrackingPrismaClient | undefined,
  overrides: Partial<TokenTrackingModuleOptions> = {},
): Promise<TokenTrackingApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [TokenTrackingModule.forRoot(testOptions(prisma, overrides))],
  }).compile();
  await moduleRef.init();
  return {
    tokens: moduleRef.get(TokenTrackingService),
    store: moduleRef.get<TokenStore>(TokenStore),
    close: () => moduleRef.close(),
  };
}

export function testOptions(
  prisma: TokenTrackingPrismaClient | undefined,
  overrides: Partial<TokenTrackingModuleOptions> = {},
): TokenTrackingModuleOptions {
  return {
    prisma,
    signing: { algorithm: 'HS256', secret: TEST_SECRET },
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    ...overrides,
  };
}
