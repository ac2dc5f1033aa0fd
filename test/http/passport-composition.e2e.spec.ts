import { Controller, ExecutionContext, Get, Injectable, Req, UseGuards } from '@nestjs/common';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import { jest } from '@jest/globals';
import passport from 'passport';
import { Strategy } from 'passport-strategy';
import { CurrentSession, Public, TRACKED_JWT_STRATEGY, TrackedJwtGuard } from '../../src/index.js';
import { useExampleApp } from '../support/http-app.js';

const API_KEY = 'an-api-key-of-the-composing-application';

/** An application's second way in, composed with the library's strategy. */
class ApiKeyStrategyBase extends Strategy {
  override authenticate(this: Strategy & { success(user: unknown): void; fail(status: number): void }, request: { headers: Record<string, unknown> }): void {
    if (request.headers['x-api-key'] === API_KEY) this.success({ apiKey: true });
    else this.fail(401);
  }
}

@Injectable()
class ApiKeyStrategy extends PassportStrategy(ApiKeyStrategyBase, 'api-key') {
  validate(): void {}
}

/** A subclass that records what its `handleRequest` hook is given, as applications override it. */
@Injectable()
class RecordingGuard extends TrackedJwtGuard {
  static readonly calls: unknown[][] = [];

  protected override isPublicRoute(): boolean {
    return false;
  }

  override handleRequest<TUser>(error: unknown, user: TUser, info: unknown, context: ExecutionContext, status?: number): TUser {
    RecordingGuard.calls.push([error, user, info, status]);
    return super.handleRequest(error, user, info, context);
  }
}

@Controller('composed')
class ComposedController {
  @Public()
  @UseGuards(AuthGuard([TRACKED_JWT_STRATEGY, 'api-key']))
  @Get()
  either(@Req() request: { user: unknown }) {
    return { user: request.user };
  }

  @Public()
  @UseGuards(RecordingGuard)
  @Get('recorded')
  recorded(@Req() request: { user: unknown }) {
    return { user: request.user };
  }
}

describe('the tracked-jwt Passport strategy composed with another', () => {
  const fixture = useExampleApp({ extend: { controllers: [ComposedController], providers: [ApiKeyStrategy] } });
  afterEach(() => jest.restoreAllMocks());

  it('lets in a tracked token or an API key, and refuses a revoked token without a key', async () => {
    const token = await fixture.running.login('alice');
    const withToken = await fixture.running.request('GET', '/composed', { token });
    expect(withToken).toMatchObject({ status: 200, body: { user: { userId: 'user-alice' } } });
    const withKey = await fixture.running.request('GET', '/composed', { headers: { 'x-api-key': API_KEY } });
    expect(withKey).toMatchObject({ status: 200, body: { user: { apiKey: true } } });
    expect((await fixture.running.request('GET', '/composed')).status).toBe(401);
    expect((await fixture.running.request('DELETE', '/auth/sessions/current', { token })).status).toBe(204);
    expect((await fixture.running.request('GET', '/composed', { token })).status).toBe(401);
    expect((await fixture.running.request('GET', '/composed', { token, headers: { 'x-api-key': API_KEY } })).status).toBe(200);
  });

  it('goes through Passport there, while TrackedJwtGuard verifies without it', async () => {
    const authenticate = jest.spyOn(passport, 'authenticate');
    const token = await fixture.running.login('bob');
    expect((await fixture.running.request('GET', '/profile', { token })).status).toBe(200);
    expect((await fixture.running.request('GET', '/profile')).status).toBe(401);
    expect(authenticate).not.toHaveBeenCalled();
    expect((await fixture.running.request('GET', '/composed', { token })).status).toBe(200);
    expect(authenticate).toHaveBeenCalled();
  });

  it('calls a subclass\'s handleRequest as Passport did: (null, false, error, 401) on a refusal, (null, user) on success', async () => {
    RecordingGuard.calls.length = 0;
    const token = await fixture.running.login('alice');
    const accepted = await fixture.running.request('GET', '/composed/recorded', { token });
    expect(accepted).toMatchObject({ status: 200, body: { user: { userId: 'user-alice' } } });
    const missing = await fixture.running.request('GET', '/composed/recorded');
    expect(missing).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(RecordingGuard.calls).toEqual([
      [null, expect.objectContaining({ userId: 'user-alice' }), undefined, undefined],
      [null, false, expect.objectContaining({ code: 'TOKEN_MISSING' }), 401],
    ]);
  });
});

@Controller('composed-session')
class ComposedSessionController {
  @Public()
  @UseGuards(AuthGuard([TRACKED_JWT_STRATEGY, 'api-key']))
  @Get()
  session(@CurrentSession() session: { userId: string } | undefined, @Req() request: { user: unknown }) {
    return { user: request.user, sessionUserId: session?.userId ?? null };
  }
}

describe('the tracked-jwt strategy composed with another, when resolveUser rejects the user', () => {
  const fixture = useExampleApp({
    tokenTracking: { resolveUser: (session) => (session.userId === 'user-bob' ? null : { id: session.userId }) },
    extend: { controllers: [ComposedSessionController], providers: [ApiKeyStrategy] },
  });

  it('lets the request in by the API key without the rejected user\'s session', async () => {
    const bob = await fixture.running.login('bob');
    expect(await fixture.running.request('GET', '/composed-session', { token: bob, headers: { 'x-api-key': API_KEY } }))
      .toMatchObject({ status: 200, body: { user: { apiKey: true }, sessionUserId: null } });
    expect((await fixture.running.request('GET', '/composed-session', { token: bob })).status).toBe(401);
    const alice = await fixture.running.login('alice');
    expect(await fixture.running.request('GET', '/composed-session', { token: alice }))
      .toMatchObject({ status: 200, body: { user: { id: 'user-alice' }, sessionUserId: 'user-alice' } });
  });
});
