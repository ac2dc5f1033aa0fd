import { TokenNotYetValidError, TokenRevokedError } from '../src/index.js';
import { ManualClock } from './support/manual-clock.js';
import { TestSigner } from './support/test-signer.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, TokenTrackingApp } from './support/token-tracking-app.js';

const HOUR = 3_600_000;

/** Revocation must not depend on the instances' clocks agreeing. */
describe('instances whose clocks disagree', () => {
  let db: TestDatabase;
  let ahead: TokenTrackingApp;
  let onTime: TokenTrackingApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    ahead = await startTokenTracking(db.prisma, { clock: () => Date.now() + HOUR });
    onTime = await startTokenTracking(db.connectAnotherClient());
  });

  afterAll(async () => {
    await ahead?.close();
    await onTime?.close();
    await db?.dispose();
  });

  it('a revoke-all made on time ends a tracked session issued by an instance an hour ahead', async () => {
    const issued = await ahead.tokens.generateTokenPair('skewed-user');
    // The token's iat is an hour after the watermark the revoke-all sets...
    expect(await onTime.tokens.revokeAllUserTokens('skewed-user')).toBe(1);
    // ...yet its session was revoked with the rest, on every instance.
    await expect(ahead.tokens.parseToken(issued.accessToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(ahead.tokens.refresh(issued.refreshToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
    expect(await onTime.tokens.getUserSessionCount('skewed-user')).toBe(0);
  });

  it('a token issued an hour in the future is refused by an instance on time, as not valid yet', async () => {
    const issued = await ahead.tokens.generateToken('future-user');
    await expect(onTime.tokens.parseToken(issued.token)).rejects.toBeInstanceOf(TokenNotYetValidError);
  });
});

describe('a token whose iat lies in the future', () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  const signer = new TestSigner('HS256', TEST_SECRET);
  const tokenIssuedAt = (iatSeconds: number) =>
    signer.sign({ iss: TEST_ISSUER, aud: [TEST_AUDIENCE], sub: 'u', jti: `jti-${iatSeconds}`, iat: iatSeconds, exp: iatSeconds + 3600 });
  let db: TestDatabase;
  let app: TokenTrackingApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTokenTracking(db.prisma, { clock: clock.now, clockToleranceSeconds: 5 });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  it('is accepted within clockToleranceSeconds and refused beyond it, with its own message', async () => {
    const now = clock.now() / 1000;
    await expect(app.tokens.parseToken(tokenIssuedAt(now + 5))).resolves.toMatchObject({ userId: 'u' });
    const error = await app.tokens.parseToken(tokenIssuedAt(now + 5.001)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenNotYetValidError);
    expect((error as Error).message).toMatch(/issued in the future/);
  });

  it('is refused when its auth_time lies beyond the tolerance in the future, which would stretch sessionMaxLifetime', async () => {
    const now = clock.now() / 1000;
    const sessionBegun = (authTime: number) =>
      signer.sign({ iss: TEST_ISSUER, aud: [TEST_AUDIENCE], sub: 'u', jti: `auth-${authTime}`, iat: now, exp: now + 3600, auth_time: authTime });
    await expect(app.tokens.parseToken(sessionBegun(now + 5))).resolves.toMatchObject({ userId: 'u' });
    const error = await app.tokens.parseToken(sessionBegun(253402300799)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenNotYetValidError);
    expect((error as Error).message).toMatch(/session began in the future/);
  });

  it('shows the one limit of a watermark for untracked tokens: only an iat within the tolerance after it escapes', async () => {
    const now = clock.now() / 1000;
    const early = tokenIssuedAt(now + 3);
    await app.tokens.revokeAllUserTokens('u');
    // Untracked, so only the watermark can catch it, and its iat is after the
    // watermark: a token "issued after" the revoke-all. That window is the
    // tolerance itself (tracked tokens are revoked by session, whatever their iat).
    clock.advance(10_000);
    await expect(app.tokens.parseToken(early)).resolves.toMatchObject({ userId: 'u' });
    await expect(app.tokens.parseToken(tokenIssuedAt(now - 1))).rejects.toBeInstanceOf(TokenRevokedError);
  });
});
