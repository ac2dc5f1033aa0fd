import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  AlgorithmNotAllowedError,
  AudienceMismatchError,
  InvalidClaimsError,
  InvalidSignatureError,
  InvalidTokenError,
  IssuerMismatchError,
  PrismaTokenStore,
  TokenExpiredError,
  TokenNotYetValidError,
  TokenStore,
  TokenTooLargeError,
  TokenTrackingError,
} from '../src/index.js';
import { TestSigner } from './support/test-signer.js';
import { ManualClock } from './support/manual-clock.js';
import { recordingTokenStore } from './support/recording-token-store.js';
import { createTestDatabase, TestDatabase } from './support/test-database.js';
import { startTokenTracking, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, TokenTrackingApp } from './support/token-tracking-app.js';

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('parseToken', () => {
  let db: TestDatabase;
  let app: TokenTrackingApp;
  let store: TokenStore;
  let calls: string[];
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  const ownKey = new TestSigner('HS256', TEST_SECRET);
  const validClaims = () => {
    const now = clock.now() / 1000;
    return { iss: TEST_ISSUER, sub: 'user-1', aud: [TEST_AUDIENCE], iat: now, nbf: Math.floor(now), exp: Math.floor(now) + 600, jti: randomBytes(32).toString('base64url') };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ store, calls } = recordingTokenStore(new PrismaTokenStore(db.prisma)));
    app = await startTokenTracking(undefined, { store, clock: clock.now, maxTokenSize: 4096 });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  beforeEach(() => {
    calls.length = 0;
  });

  it('accepts a valid token and returns its claims, after one revocation check', async () => {
    const issued = await app.tokens.generateToken('user-1', { role: 'reader' });
    calls.length = 0;
    const verified = await app.tokens.parseToken(issued.token);
    expect(verified).toMatchObject({ jti: issued.jti, userId: 'user-1', data: { role: 'reader' } });
    expect(verified.issuedAt.getTime()).toBe(clock.now());
    expect(verified.expiresAt.getTime()).toBe(issued.expiresAt.getTime());
    expect(calls).toEqual(['isRevoked']);
  });

  const otherRsaKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const cases: Array<[string, () => string, new (...args: never[]) => TokenTrackingError]> = [
    ['a tampered payload', () => {
      const [header, , signature] = ownKey.sign(validClaims()).split('.');
      return `${header}.${base64url({ ...validClaims(), sub: 'admin' })}.${signature}`;
    }, InvalidSignatureError],
    ['a token signed with another secret', () => new TestSigner('HS256', randomBytes(32)).sign(validClaims()), InvalidSignatureError],
    ['alg "none"', () => `${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(validClaims())}.`, AlgorithmNotAllowedError],
    ['another algorithm (RS256)', () => new TestSigner('RS256', otherRsaKey).sign(validClaims()), AlgorithmNotAllowedError],
    ['another HMAC algorithm with the same secret', () => {
      const input = `${base64url({ alg: 'HS384', typ: 'JWT' })}.${base64url(validClaims())}`;
      return `${input}.${createHmac('sha384', TEST_SECRET).update(input).digest('base64url')}`;
    }, AlgorithmNotAllowedError],
    ['an expired token', () => ownKey.sign({ ...validClaims(), exp: Math.floor(clock.now() / 1000) }), TokenExpiredError],
    ['a token not valid yet', () => ownKey.sign({ ...validClaims(), nbf: Math.floor(clock.now() / 1000) + 60 }), TokenNotYetValidError],
    ['a wrong issuer', () => ownKey.sign({ ...validClaims(), iss: 'someone-else' }), IssuerMismatchError],
    ['a missing issuer', () => ownKey.sign({ ...validClaims(), iss: undefined }), IssuerMismatchError],
    ['a wrong audience', () => ownKey.sign({ ...validClaims(), aud: ['billing'] }), AudienceMismatchError],
    ['a string audience that does not match', () => ownKey.sign({ ...validClaims(), aud: 'billing' }), AudienceMismatchError],
    ['a missing jti', () => ownKey.sign({ ...validClaims(), jti: undefined }), InvalidClaimsError],
    ['a missing sub', () => ownKey.sign({ ...validClaims(), sub: undefined }), InvalidClaimsError],
    ['a string exp', () => ownKey.sign({ ...validClaims(), exp: 'tomorrow' }), InvalidClaimsError],
    ['data that is not an object', () => ownKey.sign({ ...validClaims(), data: [1, 2] }), InvalidClaimsError],
    ['an oversized token', () => ownKey.sign({ ...validClaims(), data: { blob: 'x'.repeat(5000) } }), TokenTooLargeError],
    ['an empty string', () => '', InvalidTokenError],
    ['a short string', () => 'abc.def.ghi', InvalidTokenError],
    ['plain text', () => 'this is definitely not a token at all', InvalidTokenError],
    ['a JWT-shaped string of random bytes', () => [12, 40, 43].map((n) => randomBytes(n).toString('base64url')).join('.'), InvalidTokenError],
    ['a bearer prefix left on the token', () => `Bearer ${ownKey.sign(validClaims())}`, InvalidTokenError],
  ];

  it.each(cases)('rejects %s with its own error, before touching the database', async (_, makeToken, expected) => {
    const error = await app.tokens.parseToken(makeToken()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(expected);
    expect((error as TokenTrackingError).code).toEqual(expect.any(String));
    expect(calls).toEqual([]);
  });

  it.each([[undefined], [null], [42], [{}], [['a', 'b']]])('rejects the non-string %p without crashing', async (input) => {
    await expect(app.tokens.parseToken(input as unknown as string)).rejects.toBeInstanceOf(InvalidTokenError);
  });

  it('tells the rejection classes apart by a stable code', () => {
    const codes = new Set(cases.map(([, , expected]) => new expected().code));
    expect([...codes].sort()).toEqual([
      'ALGORITHM_NOT_ALLOWED', 'AUDIENCE_INVALID', 'INVALID_CLAIMS', 'INVALID_SIGNATURE', 'ISSUER_INVALID',
      'TOKEN_EXPIRED', 'TOKEN_MALFORMED', 'TOKEN_NOT_YET_VALID', 'TOKEN_TOO_LARGE',
    ]);
  });

  it('tolerates the configured clock skew, and no more', async () => {
    const tolerant = await startTokenTracking(undefined, { store, clock: clock.now, clockToleranceSeconds: 30 });
    try {
      const nowSeconds = Math.floor(clock.now() / 1000);
      await expect(tolerant.tokens.parseToken(ownKey.sign({ ...validClaims(), exp: nowSeconds - 29 }))).resolves.toBeDefined();
      await expect(tolerant.tokens.parseToken(ownKey.sign({ ...validClaims(), exp: nowSeconds - 30 }))).rejects.toBeInstanceOf(TokenExpiredError);
      await expect(tolerant.tokens.parseToken(ownKey.sign({ ...validClaims(), nbf: nowSeconds + 30 }))).resolves.toBeDefined();
      await expect(tolerant.tokens.parseToken(ownKey.sign({ ...validClaims(), nbf: nowSeconds + 31 }))).rejects.toBeInstanceOf(TokenNotYetValidError);
    } finally {
      await tolerant.close();
    }
  });
});
