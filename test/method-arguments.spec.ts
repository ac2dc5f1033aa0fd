import { InvalidArgumentError, TokenTrackingService } from '../src/index.js';
import { useTokenTracking } from './support/token-tracking-app.js';

/** Arguments of the service's methods: defaults where a caller may leave a field out, a clear refusal where a value is a mistake. */
describe('method arguments', () => {
  const fixture = useTokenTracking();
  const service = (): TokenTrackingService => fixture.app.tokens;

  it('lists with a page that gives only a limit, or only an offset', async () => {
    for (let n = 0; n < 4; n++) await service().generateToken('paged-user');
    // The listing's own order (two logins in one millisecond are ordered by session id).
    const ids = (await service().getUserSessions('paged-user')).map((session) => session.sessionId);
    expect(ids).toHaveLength(4);
    expect((await service().getUserSessions('paged-user', { limit: 2 })).map((session) => session.sessionId)).toEqual(ids.slice(0, 2));
    expect((await service().getUserSessions('paged-user', { offset: 1 })).map((session) => session.sessionId)).toEqual(ids.slice(1));
    expect((await service().getUserSessions('paged-user', {})).map((session) => session.sessionId)).toEqual(ids);
  });

  it('refuses a page field that is given but out of range, naming it', async () => {
    await expect(service().getUserSessions('paged-user', { limit: 0 })).rejects.toThrow(/limit must be an integer from 1 to 200 \(got 0\)/);
    await expect(service().getUserSessions('paged-user', { offset: -1 })).rejects.toThrow(/offset must be an integer from 0/);
    await expect(service().getUserSessions('paged-user', [] as never)).rejects.toThrow(/page must be an object/);
  });

  it.each([
    ['generateToken', () => service().generateToken('u', {}, {}, 'evict-oldest' as never)],
    ['generateTokenPair', () => service().generateTokenPair('u', {}, {}, 5 as never)],
    ['revokeAllUserTokens', () => service().revokeAllUserTokens('u', 'password changed' as never)],
    ['revokeOtherUserSessions', () => service().revokeOtherUserSessions('u', 'current', [] as never)],
    ['revokeUserSession', () => service().revokeUserSession('u', 'session', null as never)],
    ['revokeToken', () => service().revokeToken('some-id', 'reason' as never)],
  ])('%s refuses options that are not an object, rather than ignoring them', async (_, call) => {
    const error = await call().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toMatch(/^options must be an object or left out \(got /);
  });

  it('names the exact bounds of a date argument, and the last second of 9999 is inside them', async () => {
    await expect(service().revokeTokenById('late-jti', new Date('9999-12-31T23:59:59.500Z'))).rejects.toThrow(
      'expiresAt must be a valid Date from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z (got 9999-12-31T23:59:59.500Z)',
    );
    await expect(service().revokeTokenById('late-jti', new Date('9999-12-31T23:59:59.000Z'))).resolves.toBeUndefined();
  });
});
