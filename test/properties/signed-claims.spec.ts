import fc from 'fast-check';
import { TokenTrackingModuleOptions, TokenVerifier, VerifiedToken } from '../../src/index.js';
import { ERROR_CATALOG, ErrorCode } from '../../src/errors/error-catalog.js';
import { createTestDatabase, TestDatabase } from '../support/test-database.js';
import { TestSigner } from '../support/test-signer.js';
import { startTokenTracking, TEST_AUDIENCE, TEST_ISSUER, TEST_SECRET, TokenTrackingApp } from '../support/token-tracking-app.js';
import { craftedClaims, resolveClaims } from './claims.js';
import { runParameters, settle, show, timeoutFor, TOKEN_REFUSAL_CODES } from './property-support.js';

/**
 * Property (a), second half: tokens signed with the right key whatever
 * their claims say. Each is refused with a 401 verdict, or it verifies and
 * then every method taking it works or answers a client error (never
 * STORE_UNAVAILABLE, STORE_ERROR or anything that is not a library error),
 * and a revocation that succeeded is honoured.
 */
const CLIENT_ERROR_CODES = (Object.keys(ERROR_CATALOG) as ErrorCode[]).filter((code) => ERROR_CATALOG[code].status < 500);

const CONFIGURATIONS: Array<[string, (db: TestDatabase) => Partial<TokenTrackingModuleOptions>]> = [
  ['defaults', () => ({})],
  [
    'clock tolerance, maximum session lifetime, revocation replica',
    (db) => ({ clockToleranceSeconds: 30, sessionMaxLifetime: 7 * 86_400, revocationReplica: { connectionString: db.url } }),
  ],
];

const USES = ['revokeToken', 'revokeTokenById', 'revokeOthers', 'revokeAll', 'list'] as const;

describe.each(CONFIGURATIONS)('tokens signed with the right key and any claims (%s)', (_name, configure) => {
  let db: TestDatabase;
  let app: TokenTrackingApp;
  let knownIds: string[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTokenTracking(db.prisma, configure(db));
    for (const user of ['user-alice', 'user-bob', 'user-claims']) {
      await app.tokens.generateToken(user);
      await app.tokens.generateTokenPair(user);
    }
    const rows = await db.query<{ id: string }>('SELECT session_id AS id FROM token_sessions UNION ALL SELECT jti FROM issued_tokens');
    knownIds = rows.map((row) => row.id);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  it('are refused with a 401 verdict, or verify and then work with every method that takes them', async () => {
    const verifier = app.get<TokenVerifier>(TokenVerifier);
    const tokens = app.tokens;
    const context = { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, now: () => Date.now() / 1000, knownIds: () => knownIds };
    await fc.assert(
      fc.asyncProperty(craftedClaims(context), fc.boolean(), fc.constantFrom(...USES), async (crafted, withKid, use) => {
        const claims = resolveClaims(crafted, Date.now() / 1000);
        const token = new TestSigner('HS256', TEST_SECRET, withKid ? 'default' : undefined).sign(claims);
        const about = `token with claims ${show(claims, 600)}`;

        const verified = await settle(() => verifier.verify(token), TOKEN_REFUSAL_CODES, `verify(${about})`);
        const parsed = await settle(() => tokens.parseToken(token), TOKEN_REFUSAL_CODES, `parseToken(${about})`);
        if (!verified.ok) {
          if (parsed.ok) throw new Error(`parseToken accepted what the verifier refused: ${about}`);
          return;
        }
        expectRepresentable(verified.value, about);

        if (verified.value.tokenUse === 'refresh') {
          const refreshed = await settle(() => tokens.refresh(token), CLIENT_ERROR_CODES, `refresh(${about})`);
          if (refreshed.ok) await settle(() => tokens.parseToken(refreshed.value.accessToken.token), [], `parseToken(access token refreshed from ${about})`);
          await settle(() => tokens.revokeToken(token), CLIENT_ERROR_CODES, `revokeToken(${about})`);
          return;
        }
        if (!parsed.ok) return;
        const session = parsed.value;
        // A token whose jti or sid is the id of a recorded token or session
        // (only a key holder can sign one) is checked for 5xx only: the
        // revocation targets that record's session (see the property below).
        const honoured = !knownIds.includes(session.jti) && !knownIds.includes(session.sessionId);
        switch (use) {
          case 'revokeToken': {
            const revoked = await settle(() => tokens.revokeToken(token), CLIENT_ERROR_CODES, `revokeToken(${about})`);
            if (revoked.ok && honoured) await expectRefusedAfterRevocation(() => tokens.parseToken(token), `revokeToken(${about})`);
            break;
          }
          case 'revokeTokenById': {
            // What DELETE /auth/sessions/current does.
            const revoked = await settle(
              () => tokens.revokeTokenById(session.jti, session.expiresAt, { reason: 'logout', actor: session.userId }),
              CLIENT_ERROR_CODES,
              `revokeTokenById(jti and expiry of ${about})`,
            );
            if (revoked.ok && honoured) await expectRefusedAfterRevocation(() => tokens.parseToken(token), `revokeTokenById(${about})`);
            break;
          }
          case 'revokeOthers':
            await settle(() => tokens.revokeOtherUserSessions(session.userId, session.sessionId, { actor: session.userId }), CLIENT_ERROR_CODES, `revokeOtherUserSessions(${about})`);
            await settle(() => tokens.parseToken(token), TOKEN_REFUSAL_CODES, `parseToken after revoking the others (${about})`);
            break;
          case 'revokeAll': {
            // A token stamped in the very millisecond of a revoke-all counts as
            // issued after it (so that a login right after one is valid): let
            // that millisecond pass, as it has for any token a user already holds.
            // (iat is never after now here: the claims generator draws it at or before now.)
            while (Date.now() <= session.issuedAt.getTime()) {
              await new Promise((resolve) => setTimeout(resolve, session.issuedAt.getTime() + 1 - Date.now()));
            }
            const revoked = await settle(() => tokens.revokeAllUserTokens(session.userId, { actor: session.userId }), CLIENT_ERROR_CODES, `revokeAllUserTokens(${about})`);
            if (revoked.ok && honoured) await expectRefusedAfterRevocation(() => tokens.parseToken(token), `revokeAllUserTokens(${about})`);
            break;
          }
          case 'list':
            await settle(() => tokens.getUserSessions(session.userId, { limit: 200, offset: 0 }), [], `getUserSessions(${about})`);
            await settle(() => tokens.getUserSessionCount(session.userId), [], `getUserSessionCount(${about})`);
            await settle(() => tokens.getActiveUserTokens(session.userId), [], `getActiveUserTokens(${about})`);
            break;
        }
      }),
      runParameters(),
    );
  }, timeoutFor(60));
});

describe('revoking a signed token whose jti is the jti of a token of another session', () => {
  let db: TestDatabase;
  let app: TokenTrackingApp;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startTokenTracking(db.prisma);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  // A validly signed token (a second issuer sharing the key, a leaked key
  // being rotated out) whose jti or sid names another user's session must
  // not revoke that session, and is itself refused afterwards. A crafted
  // token that reuses a victim token's jti names the same token id (RFC 7519
  // §4.1.7): that id is refused, but the victim's session lives on.
  it('revokes the presented token and never another user\'s session', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('access', 'refresh'), fc.boolean(), async (which, asSid) => {
        const victim = await app.tokens.generateTokenPair('user-victim');
        const target = which === 'access' ? victim.accessToken.jti : victim.refreshToken.jti;
        const now = Date.now() / 1000;
        const claims = {
          iss: TEST_ISSUER, aud: TEST_AUDIENCE, sub: 'user-other', iat: now, exp: now + 600,
          ...(asSid ? { jti: `other-${Math.random().toString(36).slice(2)}`, sid: target } : { jti: target }),
        };
        const token = new TestSigner('HS256', TEST_SECRET, 'default').sign(claims);
        await settle(() => app.tokens.revokeToken(token), CLIENT_ERROR_CODES, `revokeToken(${show(claims)})`);
        const craftedStill = await settle(() => app.tokens.parseToken(token), TOKEN_REFUSAL_CODES, 'parseToken(crafted)');
        if (craftedStill.ok) throw new Error(`revokeToken(${show(claims)}) succeeded but the token is still accepted`);
        const sessionStill = await settle(() => app.tokens.refresh(victim.refreshToken.token), TOKEN_REFUSAL_CODES, 'refresh(victim)');
        if (!sessionStill.ok) throw new Error(`revokeToken(${show(claims)}) of user-other revoked user-victim's session`);
        if (asSid) {
          const victimStill = await settle(() => app.tokens.parseToken(victim.accessToken.token), TOKEN_REFUSAL_CODES, 'parseToken(victim)');
          if (!victimStill.ok) throw new Error(`revokeToken(${show(claims)}) of user-other revoked user-victim's access token`);
        }
      }),
      runParameters({ numRuns: 10 }),
    );
  });
});

/** What verification returns is what the rest of the library stores and serialises. */
function expectRepresentable(token: VerifiedToken, about: string): void {
  for (const [name, date] of [['issuedAt', token.issuedAt], ['expiresAt', token.expiresAt], ['sessionStartedAt', token.sessionStartedAt]] as const) {
    if (date !== null && Number.isNaN(date.getTime())) throw new Error(`${name} is an invalid Date for ${about}`);
  }
}

async function expectRefusedAfterRevocation(parse: () => Promise<unknown>, what: string): Promise<void> {
  const outcome = await settle(parse, TOKEN_REFUSAL_CODES, `parseToken after ${what}`);
  if (outcome.ok) throw new Error(`${what} succeeded, but the token is still accepted`);
}
