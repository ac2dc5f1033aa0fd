import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test } from '@nestjs/testing';
import {
  TokenStore,
  TokenTrackingModule,
  TokenTrackingModuleOptions,
  TokenTrackingPrismaClient,
  TokenTrackingService,
} from '../../src/index.js';
import { createTestDatabase, TestDatabase } from './test-database.js';

export const TEST_SECRET = Buffer.from('an-hs256-test-secret-of-32-bytes!!', 'utf8');
export const TEST_ISSUER = 'token-tracking-tests';
export const TEST_AUDIENCE = 'api';

/** An application instance with the module wired as a user would wire it. */
export interface TokenTrackingApp {
  readonly tokens: TokenTrackingService;
  readonly store: TokenStore;
  /** Every lifecycle event emitted, in order (the app has EventEmitterModule). */
  readonly events: Array<{ name: string; payload: unknown }>;
  get<T>(token: unknown): T;
  close(): Promise<void>;
}

export async function startTokenTracking(
  prisma: TokenTrackingPrismaClient | undefined,
  overrides: Partial<TokenTrackingModuleOptions> = {},
): Promise<TokenTrackingApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [EventEmitterModule.forRoot({ wildcard: false }), TokenTrackingModule.forRoot(testOptions(prisma, overrides))],
  }).compile();
  const events: TokenTrackingApp['events'] = [];
  moduleRef.get(EventEmitter2).onAny((name, payload) => events.push({ name: String(name), payload }));
  await moduleRef.init();
  return {
    tokens: moduleRef.get(TokenTrackingService),
    store: moduleRef.get<TokenStore>(TokenStore),
    events,
    get: <T>(token: unknown) => moduleRef.get<T>(token as never, { strict: false }),
    close: () => moduleRef.close(),
  };
}

function testOptions(
  prisma: TokenTrackingPrismaClient | undefined,
  overrides: Partial<TokenTrackingModuleOptions> = {},
): TokenTrackingModuleOptions {
  return {
    prisma,
    signing: { algorithm: 'HS256', secret: TEST_SECRET },
    issuer: TEST_ISSUER,
    audience: TEST_AUDIENCE,
    // Tests call purgeExpired() themselves.
    purge: false,
    ...overrides,
  };
}

/** What `useTokenTracking` provides to the tests of its block, once `beforeAll` has run. */
export interface TokenTrackingFixture {
  readonly db: TestDatabase;
  readonly app: TokenTrackingApp;
}

/**
 * For the enclosing `describe`: a database of its own and an application on
 * it, started before the tests and torn down after them.
 */
export function useTokenTracking(overrides: Partial<TokenTrackingModuleOptions> = {}): TokenTrackingFixture {
  const fixture = {} as { db: TestDatabase; app: TokenTrackingApp };
  beforeAll(async () => {
    fixture.db = await createTestDatabase();
    fixture.app = await startTokenTracking(fixture.db.prisma, overrides);
  });
  afterAll(async () => {
    await fixture.app?.close();
    await fixture.db?.dispose();
  });
  return fixture;
}
