import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { INestApplication, Module } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { KeysUnavailableError, TokenTrackingConfigurationError, TokenTrackingModule, TokenTrackingModuleOptions, TokenTrackingHealthIndicator, TokenTrackingService, TrackedJwtGuard, UnknownKeyError } from '../../src/index.js';
import { createTestDatabase, TestDatabase } from '../support/test-database.js';
import { startTokenTracking, TEST_AUDIENCE, TEST_ISSUER, TokenTrackingApp } from '../support/token-tracking-app.js';

/** Other services verify without the signing key: the public keys as a JWKS, and verify-only instances. */
describe('the JWKS route and verify-only instances', () => {
  const current = generateKeyPairSync('ed25519');
  const previous = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let db: TestDatabase;
  let issuer: INestApplication;
  let jwksUrl: string;
  let tokens: TokenTrackingService;
  let verifyOnly: TokenTrackingApp;
  let options: TokenTrackingModuleOptions;

  beforeAll(async () => {
    db = await createTestDatabase();
    options = {
      prisma: db.prisma,
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      purge: false,
      signing: {
        keys: [
          { kid: '2026-11', algorithm: 'EdDSA', privateKey: current.privateKey },
          { kid: '2026-05', algorithm: 'ES256', publicKey: previous.publicKey },
          { kid: 'internal', algorithm: 'HS512', secret: randomBytes(64) },
        ],
      },
    };
    @Module({ imports: [TokenTrackingModule.forRoot({ ...options, jwksRoute: { maxAgeSeconds: 120 } })] })
    class IssuerModule {}
    issuer = await NestFactory.create(IssuerModule, { logger: false });
    await issuer.listen(0, '127.0.0.1');
    jwksUrl = `${(await issuer.getUrl()).replace('[::1]', '127.0.0.1')}/.well-known/jwks.json`;
    tokens = issuer.get(TokenTrackingService);
    verifyOnly = await startTokenTracking(db.connectAnotherClient(), { signing: { jwksUrl, algorithms: ['EdDSA', 'ES256'] } });
  });

  afterAll(async () => {
    await verifyOnly?.close();
    await issuer?.close();
    await db?.dispose();
  });

  it('publishes every public key with its kid and algorithm, never a shared secret, with cache headers', async () => {
    const response = await fetch(jwksUrl);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
    expect(response.headers.get('cache-control')).toBe('public, max-age=120');
    const body = await response.json() as { keys: Array<Record<string, unknown>> };
    expect(body.keys.map((key) => [key.kid, key.alg, key.kty, key.use])).toEqual([
      ['2026-11', 'EdDSA', 'OKP', 'sig'],
      ['2026-05', 'ES256', 'EC', 'sig'],
    ]);
    for (const key of body.keys) expect(key).not.toHaveProperty('d');
    const etag = response.headers.get('etag')!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const again = await fetch(jwksUrl, { headers: { 'if-none-match': ifNoneMatch } });
      expect([ifNoneMatch, again.status]).toEqual([ifNoneMatch, 304]);
    }
    expect((await fetch(jwksUrl, { headers: { 'if-none-match': '"other"' } })).status).toBe(200);
  });

  it('serves the key set without a token where TrackedJwtGuard is the global guard', async () => {
    @Module({
      imports: [TokenTrackingModule.forRoot({ ...options, jwksRoute: true })],
      providers: [{ provide: APP_GUARD, useClass: TrackedJwtGuard }],
    })
    class GuardedIssuerModule {}
    const guarded = await NestFactory.create(GuardedIssuerModule, { logger: false });
    try {
      await guarded.listen(0, '127.0.0.1');
      const response = await fetch(`${(await guarded.getUrl()).replace('[::1]', '127.0.0.1')}/.well-known/jwks.json`);
      expect(response.status).toBe(200);
      expect((await response.json() as { keys: unknown[] }).keys).toHaveLength(2);
    } finally {
      await guarded.close();
    }
  });

  it('issues tokens that jose verifies against the served key set', async () => {
    const { token } = await tokens.generateToken('interop-user', { role: 'reader' });
    const keySet = createLocalJWKSet(await (await fetch(jwksUrl)).json() as Parameters<typeof createLocalJWKSet>[0]);
    const { payload, protectedHeader } = await jwtVerify(token, keySet, { issuer: TEST_ISSUER, audience: TEST_AUDIENCE });
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: '2026-11' });
    expect(payload).toMatchObject({ sub: 'interop-user', data: { role: 'reader' } });
  });

  it('lets a verify-only instance check tokens with the fetched keys, and refuse them once revoked elsewhere', async () => {
    const { token } = await tokens.generateToken('remote-user');
    await expect(verifyOnly.tokens.parseToken(token)).resolves.toMatchObject({ userId: 'remote-user', keyId: '2026-11' });
    await tokens.revokeToken(token);
    await expect(verifyOnly.tokens.parseToken(token)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
    await expect(verifyOnly.tokens.generateToken('nobody')).rejects.toMatchObject({ code: 'ISSUING_DISABLED' });
  });

  it('refuses, on a verify-only instance, a kid the key set does not publish', async () => {
    const stranger = generateKeyPairSync('ed25519');
    const other = await startTokenTracking(db.connectAnotherClient(), {
      signing: { keys: [{ kid: 'not-published', algorithm: 'EdDSA', privateKey: stranger.privateKey }] },
    });
    try {
      const { token } = await other.tokens.generateToken('stranger');
      await expect(verifyOnly.tokens.parseToken(token)).rejects.toBeInstanceOf(UnknownKeyError);
    } finally {
      await other.close();
    }
  });

  it('answers 503 KEYS_UNAVAILABLE, not 401, when the key set cannot be fetched', async () => {
    const unreachable = await startTokenTracking(db.connectAnotherClient(), {
      signing: { jwksUrl: 'http://127.0.0.1:1/.well-known/jwks.json?token=q5ecret', algorithms: ['EdDSA'] },
    });
    try {
      // Readiness knows before any request has tried: it fetches the key set itself.
      const beforeAnyRequest = (await unreachable.get<TokenTrackingHealthIndicator>(TokenTrackingHealthIndicator).isHealthy()).token_tracking!;
      expect(beforeAnyRequest).toMatchObject({ status: 'down', keys: { remote: true, available: false } });
      // Health routes are often public: a stable cause, never the URL (its host, port or query); that is in the log.
      expect(beforeAnyRequest.keys.error).toBe('the key set URL could not be reached (KEYS_UNAVAILABLE); the cause is in the server log');
      const { token } = await tokens.generateToken('unreachable-keys-user');
      const error = await unreachable.tokens.parseToken(token).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(KeysUnavailableError);
      expect((error as KeysUnavailableError).getStatus()).toBe(503);
      const health = await unreachable.get<TokenTrackingHealthIndicator>(TokenTrackingHealthIndicator).isHealthy();
      expect(health.token_tracking).toMatchObject({ status: 'down', keys: { remote: true, available: false } });
      expect(JSON.stringify(health)).not.toMatch(/127\.0\.0\.1|jwks\.json|q5ecret/);
    } finally {
      await unreachable.close();
    }
  });

  it('gives up a key set fetch that gets no answer after fetchTimeoutMs: 503 KEYS_UNAVAILABLE, not a hang', async () => {
    // Accepts connections and never answers, as a hung JWKS host does.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const silentUrl = `http://127.0.0.1:${(silent.address() as { port: number }).port}/.well-known/jwks.json`;
    const waiting = await startTokenTracking(db.connectAnotherClient(), { signing: { jwksUrl: silentUrl, algorithms: ['EdDSA'], fetchTimeoutMs: 300 } });
    try {
      const { token } = await tokens.generateToken('silent-keys-user');
      const started = performance.now();
      const error = await waiting.tokens.parseToken(token).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(KeysUnavailableError);
      // Well under the default 5 s, with room for a noisy machine.
      expect(performance.now() - started).toBeLessThan(3_000);
    } finally {
      await waiting.close();
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it.each([0, -1, 1.5, 2_147_483_648, '5000'])('refuses fetchTimeoutMs %p at startup', async (fetchTimeoutMs) => {
    await expect(startTokenTracking(db.connectAnotherClient(), {
      signing: { jwksUrl, algorithms: ['EdDSA'], fetchTimeoutMs: fetchTimeoutMs as number },
    })).rejects.toThrow(TokenTrackingConfigurationError);
  });

  it('reports a verify-only instance up once its key set has been fetched', async () => {
    const reading = await startTokenTracking(db.connectAnotherClient(), { signing: { jwksUrl, algorithms: ['EdDSA', 'ES256'] } });
    try {
      expect((await reading.get<TokenTrackingHealthIndicator>(TokenTrackingHealthIndicator).isHealthy()).token_tracking).toMatchObject({
        status: 'up', keys: { remote: true, available: true },
      });
    } finally {
      await reading.close();
    }
  });
});
