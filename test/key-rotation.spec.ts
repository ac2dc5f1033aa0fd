import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  AlgorithmNotAllowedError,
  IssuingDisabledError,
  KeyOptions,
  UnknownKeyError,
} from '../src/index.js';
import { ManualClock } from './support/manual-clock.js';
import { TestSigner } from './support/test-signer.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TEST_AUDIENCE, TEST_ISSUER, TokenTrackingApp } from './support/token-tracking-app.js';

const headerOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());

/**
 * Rotating the signing key is a configuration change and a restart, with no
 * logout: the new key signs, the old one keeps verifying what it signed
 * until the last of it has expired, then goes.
 */
describe('signing key rotation', () => {
  let db: TestDatabase;
  const k1 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const k2 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const apps: TokenTrackingApp[] = [];
  const instance = async (keys: KeyOptions[], signWith?: string) => {
    const app = await startTokenTracking(db.connectAnotherClient(), { signing: { keys, ...(signWith ? { signWith } : {}) } });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await db?.dispose();
  });

  it('goes k1 → k2 without logging anyone out, and refuses k1 tokens once k1 is removed', async () => {
    // 1. Today: k1 signs.
    const before = await instance([{ kid: 'k1', algorithm: 'ES256', privateKey: k1.privateKey }]);
    const old = await before.tokens.generateTokenPair('rotating-user');
    expect(headerOf(old.accessToken.token)).toMatchObject({ alg: 'ES256', kid: 'k1' });

    // 2. Rotate: k2 signs, k1 only verifies (its public key is all it needs now).
    const during = await instance([
      { kid: 'k2', algorithm: 'ES256', privateKey: k2.privateKey },
      { kid: 'k1', algorithm: 'ES256', publicKey: k1.publicKey },
    ]);
    await expect(during.tokens.parseToken(old.accessToken.token)).resolves.toMatchObject({ keyId: 'k1' });
    const refreshed = await during.tokens.refresh(old.refreshToken.token);
    expect(headerOf(refreshed.accessToken.token).kid).toBe('k2');
    const fresh = await during.tokens.generateToken('rotating-user');
    expect(fresh.keyId).toBe('k2');
    // The library can tell when k1 stops mattering: when the last token it signed that can still be accepted
    // expires (the exchanged refresh token only counts through its grace period).
    const usage = await during.tokens.getKeyUsage();
    expect(usage.find((key) => key.keyId === 'k1')).toMatchObject({ activeTokens: 2, lastExpiresAt: old.accessToken.expiresAt });
    expect(usage.find((key) => key.keyId === 'k2')?.activeTokens).toBe(3);

    // 3. k1 removed: what it signed is refused with its own code; k2's tokens are untouched.
    const after = await instance([{ kid: 'k2', algorithm: 'ES256', privateKey: k2.privateKey }]);
    await expect(after.tokens.parseToken(old.accessToken.token)).rejects.toBeInstanceOf(UnknownKeyError);
    await expect(after.tokens.parseToken(refreshed.accessToken.token)).resolves.toMatchObject({ userId: 'rotating-user', keyId: 'k2' });
    await expect(after.tokens.parseToken(fresh.token)).resolves.toBeDefined();
  });

  it('counts in getKeyUsage() only the tokens that can still be accepted, so that step 4 ends with the last live one', async () => {
    const clock = new ManualClock(Date.UTC(2026, 11, 6, 9));
    const lifetimes = { clock: clock.now, expiresIn: 900, refreshExpiresIn: 86_400, refreshGraceSeconds: 10, sessionIdleTimeout: 1_200, lastUsedIntervalSeconds: 60 };
    const old = { kid: 'usage-old', algorithm: 'ES256' as const };
    const next = { kid: 'usage-new', algorithm: 'ES256' as const };
    const start = async (keys: KeyOptions[]) => {
      const app = await startTokenTracking(db.connectAnotherClient(), { ...lifetimes, signing: { keys } });
      apps.push(app);
      return app;
    };
    const before = await start([{ ...old, privateKey: k1.privateKey }]);
    const refreshed = await before.tokens.generateTokenPair('usage-refreshed');
    const loggedOut = await before.tokens.generateTokenPair('usage-logged-out');
    const idle = await before.tokens.generateTokenPair('usage-idle');
    const during = await start([{ ...next, privateKey: k2.privateKey }, { ...old, publicKey: k1.publicKey }]);
    const usageOf = async (kid: string) => (await during.tokens.getKeyUsage()).find((key) => key.keyId === kid) ?? null;
    expect(await usageOf(old.kid)).toMatchObject({ activeTokens: 6 });

    clock.advance(60_000);
    const successor = await during.tokens.refresh(refreshed.refreshToken.token);
    await during.tokens.revokeToken(loggedOut.sessionId);
    // The exchanged refresh token may still come back within the grace period, and gets the same pair then.
    expect(await usageOf(old.kid)).toMatchObject({ activeTokens: 4, lastExpiresAt: idle.refreshToken.expiresAt });
    clock.advance(11_000);
    expect(await usageOf(old.kid)).toMatchObject({ activeTokens: 3, lastExpiresAt: idle.refreshToken.expiresAt });

    // The refreshed session stays in use; the idle one passes its idle deadline; the old access token expires.
    clock.advance(1_000_000);
    await during.tokens.refresh(successor.refreshToken.token);
    clock.advance(200_000);
    expect(await usageOf(old.kid)).toBeNull();
    // Of the new key's tokens, the last pair: the first has expired (access) or was exchanged (refresh).
    expect(await usageOf(next.kid)).toMatchObject({ activeTokens: 2 });
  });

  it('verifies a token only with the algorithm its key is pinned to, never the one the token names', async () => {
    const secret = randomBytes(32);
    const app = await instance([
      { kid: 'hmac', algorithm: 'HS256', secret },
      { kid: 'ec', algorithm: 'ES256', publicKey: k1.publicKey },
    ]);
    const claims = { iss: TEST_ISSUER, aud: [TEST_AUDIENCE], sub: 'u', jti: 'pinned-jti', iat: Date.now() / 1000, exp: Math.floor(Date.now() / 1000) + 60 };
    // Naming the EC key but signed with HMAC, using the EC public key as the secret: refused before any cryptography.
    const pem = k1.publicKey.export({ type: 'spki', format: 'pem' });
    await expect(app.tokens.parseToken(new TestSigner('HS256', pem, 'ec').sign(claims))).rejects.toBeInstanceOf(AlgorithmNotAllowedError);
    await expect(app.tokens.parseToken(new TestSigner('HS256', secret, 'nope').sign(claims))).rejects.toBeInstanceOf(UnknownKeyError);
    // With several keys, a token without kid is verified only by the key named "default": here there is none.
    await expect(app.tokens.parseToken(new TestSigner('HS256', secret).sign(claims))).rejects.toBeInstanceOf(UnknownKeyError);
    await expect(app.tokens.parseToken(new TestSigner('HS256', secret, 'hmac').sign(claims))).resolves.toMatchObject({ keyId: 'hmac' });
  });

  it('keeps verifying tokens issued before tokens carried a kid, through the key named "default"', async () => {
    const secret = randomBytes(32);
    const legacy = new TestSigner('HS256', secret).sign({
      iss: TEST_ISSUER, aud: [TEST_AUDIENCE], sub: 'legacy-user', jti: 'legacy-jti', iat: Date.now() / 1000, exp: Math.floor(Date.now() / 1000) + 60,
    });
    const app = await instance([
      { kid: 'next', algorithm: 'ES256', privateKey: k2.privateKey },
      { kid: 'default', algorithm: 'HS256', secret },
    ], 'next');
    await expect(app.tokens.parseToken(legacy)).resolves.toMatchObject({ userId: 'legacy-user', keyId: null });
  });

  it('runs verify-only when no key can sign: checks tokens, refuses to issue with 501', async () => {
    const issuer = await instance([{ kid: 'k1', algorithm: 'ES256', privateKey: k1.privateKey }]);
    const verifier = await instance([{ kid: 'k1', algorithm: 'ES256', publicKey: k1.publicKey }]);
    const { token } = await issuer.tokens.generateToken('verified-elsewhere');
    await expect(verifier.tokens.parseToken(token)).resolves.toMatchObject({ userId: 'verified-elsewhere' });
    const refused = await verifier.tokens.generateToken('nobody').catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(IssuingDisabledError);
    expect((refused as IssuingDisabledError).getStatus()).toBe(501);
    await issuer.tokens.revokeToken(token);
    await expect(verifier.tokens.parseToken(token)).rejects.toMatchObject({ code: 'TOKEN_REVOKED' });
  });
});
