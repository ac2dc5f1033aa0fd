import { InvalidSignatureError, RevocationChecker, TokenExpiredError, TokenRevokedError, TokenTypeMismatchError } from '../src/index.js';
import { AccessTokenCheck } from '../src/jwt/access-token-check.js';
import { eventually } from './support/eventually.js';
import { ManualClock } from './support/manual-clock.js';
import { useTokenTracking } from './support/token-tracking-app.js';

/**
 * The check of every request answers without a Promise when nothing has to
 * be waited for, and then refuses exactly as `parseToken` does; what must
 * ask the database still returns a Promise.
 */
describe('AccessTokenCheck', () => {
  const clock = new ManualClock();

  describe('with a replica in sync', () => {
    const fixture = useTokenTracking({ clock: clock.now, revocationReplica: true });
    let check: AccessTokenCheck;

    beforeAll(async () => {
      check = fixture.app.get(AccessTokenCheck);
      await eventually(() => expect(fixture.app.get<RevocationChecker>(RevocationChecker).status.synced).toBe(true));
    });

    it('answers a live token at once, with what parseToken answers', async () => {
      const issued = await fixture.app.tokens.generateToken('user-1', { role: 'reader' });
      // After an event-loop stall (a loaded machine) the replica asks the database, with a Promise, until
      // its next read of the log: what is shown is that in sync it answers at once.
      let answer: ReturnType<AccessTokenCheck['check']> | undefined;
      await eventually(() => {
        answer = check.check(issued.token);
        if (answer instanceof Promise) answer.catch(() => undefined);
        expect(answer).not.toBeInstanceOf(Promise);
      });
      expect(answer).toEqual(await fixture.app.tokens.parseToken(issued.token));
      expect(answer).toMatchObject({ jti: issued.jti, userId: 'user-1', data: { role: 'reader' } });
    });

    it('throws at once for a token refused without the database: forged, expired, of the wrong type', async () => {
      const issued = await fixture.app.tokens.generateToken('user-2');
      const pair = await fixture.app.tokens.generateTokenPair('user-2');
      const [header, payload, signature] = issued.token.split('.');
      const forged = `${header}.${payload}.${signature!.startsWith('A') ? 'B' : 'A'}${signature!.slice(1)}`;
      expect(() => check.check(forged)).toThrow(InvalidSignatureError);
      expect(() => check.check(pair.refreshToken.token)).toThrow(TokenTypeMismatchError);
      clock.advance(172_800_000);
      try {
        expect(() => check.check(issued.token)).toThrow(TokenExpiredError);
      } finally {
        clock.advance(-172_800_000);
      }
    });

    it('refuses a revoked token, as parseToken does', async () => {
      const issued = await fixture.app.tokens.generateToken('user-3');
      await fixture.app.tokens.revokeToken(issued.token);
      await expect(Promise.resolve().then(() => check.check(issued.token))).rejects.toBeInstanceOf(TokenRevokedError);
      await expect(fixture.app.tokens.parseToken(issued.token)).rejects.toBeInstanceOf(TokenRevokedError);
    });
  });

  describe('without a replica', () => {
    const fixture = useTokenTracking({ clock: clock.now });

    it('returns a Promise: the database is asked', async () => {
      const issued = await fixture.app.tokens.generateToken('user-1');
      const answer = fixture.app.get<AccessTokenCheck>(AccessTokenCheck).check(issued.token);
      expect(answer).toBeInstanceOf(Promise);
      await expect(answer).resolves.toMatchObject({ jti: issued.jti });
      await fixture.app.tokens.revokeToken(issued.jti);
      await expect(fixture.app.get<AccessTokenCheck>(AccessTokenCheck).check(issued.token)).rejects.toBeInstanceOf(TokenRevokedError);
    });
  });
});
