import { randomBytes } from 'node:crypto';
import { Controller, ExecutionContext, ForbiddenException, Get, Inject, Injectable, INestApplication, Module, Provider, Req, UseGuards } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExtractJwt } from 'passport-jwt';
import { CurrentSession, TokenTrackingModule, TokenTrackingService, TrackedJwtGuard, VerifiedToken } from '../../src/index.js';
import { createTestDatabase, TestDatabase } from '../support/test-database.js';

@Injectable()
class UserTokens {
  constructor(@Inject(TokenTrackingService) readonly service: TokenTrackingService) {}
}

@Injectable()
class PartnerTokens {
  constructor(@Inject(TokenTrackingService) readonly service: TokenTrackingService) {}
}

@Controller('me')
class UserController {
  @Get()
  me(@CurrentSession() session: VerifiedToken) {
    return { userId: session.userId };
  }
}

/** Optional authentication: no partner token, or a bad one, makes an anonymous request. */
@Injectable()
class OptionalPartnerGuard extends TrackedJwtGuard {
  override handleRequest<TUser>(_error: unknown, user: TUser): TUser {
    return (user || null) as TUser;
  }
}

@Controller('partner')
class PartnerController {
  @UseGuards(TrackedJwtGuard)
  @Get()
  partner(@CurrentSession() session: VerifiedToken) {
    return { userId: session.userId, audience: session.claims.aud };
  }

  @UseGuards(OptionalPartnerGuard)
  @Get('feed')
  feed(@CurrentSession() session: VerifiedToken | undefined) {
    return { session: session ? { userId: session.userId, audience: session.claims.aud } : null };
  }
}

type ModuleParts = { controllers?: Array<new (...args: never[]) => unknown>; providers?: Provider[] };

/**
 * An application of two module instances with their own keys, audiences and
 * extractors: users (bearer header) and partners (`X-Partner-Token`), each
 * given the controllers and providers of a test.
 */
function useTwoInstances(usersParts: ModuleParts, partnersParts: ModuleParts) {
  const fixture = {} as { users: TokenTrackingService; partners: TokenTrackingService; get(path: string, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> };
  let db: TestDatabase;
  let app: INestApplication;

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({
      imports: [TokenTrackingModule.forRoot({ prisma: db.prisma, signing: { secret: randomBytes(32) }, issuer: 'users', audience: 'users', purge: false })],
      controllers: usersParts.controllers ?? [],
      providers: [UserTokens, ...(usersParts.providers ?? [])],
    })
    class UsersModule {}
    @Module({
      imports: [TokenTrackingModule.forRoot({
        prisma: db.connectAnotherClient(), signing: { secret: randomBytes(32) }, issuer: 'partners', audience: 'partners', purge: false,
        jwtFromRequest: ExtractJwt.fromHeader('x-partner-token'),
      })],
      controllers: partnersParts.controllers ?? [],
      providers: [PartnerTokens, ...(partnersParts.providers ?? [])],
    })
    class PartnersModule {}
    @Module({ imports: [UsersModule, PartnersModule] })
    class AppModule {}
    app = await NestFactory.create(AppModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    fixture.users = app.get(UserTokens).service;
    fixture.partners = app.get(PartnerTokens).service;
    fixture.get = async (path, headers) => {
      const response = await fetch(`${url}${path}`, { headers });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  return fixture;
}

/**
 * Two module instances in one application, with their own keys, audiences
 * and extractors: the users' guard is global, the partners' guards their
 * routes. A request the users' guard let in must still pass the partners'.
 */
describe('two TokenTrackingModule instances in one application', () => {
  const fixture = useTwoInstances(
    { controllers: [UserController], providers: [{ provide: APP_GUARD, useClass: TrackedJwtGuard }] },
    { controllers: [PartnerController], providers: [OptionalPartnerGuard] },
  );

  it('verifies with each instance\'s guard: a user\'s token does not open the partners\' routes', async () => {
    const { users, partners, get } = fixture;
    const user = await users.generateToken('mallory');
    const partner = await partners.generateToken('partner-1');
    const bearer = `Bearer ${user.token}`;
    expect(await get('/me', { authorization: bearer })).toEqual({ status: 200, body: { userId: 'mallory' } });
    expect(await get('/partner', { authorization: bearer, 'x-partner-token': partner.token })).toEqual({ status: 200, body: { userId: 'partner-1', audience: ['partners'] } });

    expect(await get('/partner', { authorization: bearer })).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
    expect((await get('/partner', { authorization: bearer, 'x-partner-token': `${partner.token.slice(0, -4)}AAAA` })).status).toBe(401);
    // A user's token is not a partner's, even where the partners' extractor finds it.
    expect((await get('/partner', { authorization: bearer, 'x-partner-token': user.token })).status).toBe(401);
    await partners.revokeToken(partner.token);
    expect(await get('/partner', { authorization: bearer, 'x-partner-token': partner.token })).toMatchObject({ status: 401, body: { code: 'TOKEN_REVOKED' } });
  });

  it('leaves no other instance\'s session to a route whose guard proved none', async () => {
    const { users, partners, get } = fixture;
    const user = await users.generateToken('mallory');
    const partner = await partners.generateToken('partner-2');
    const bearer = `Bearer ${user.token}`;
    expect(await get('/partner/feed', { authorization: bearer, 'x-partner-token': partner.token })).toEqual({ status: 200, body: { session: { userId: 'partner-2', audience: ['partners'] } } });
    expect(await get('/partner/feed', { authorization: bearer })).toEqual({ status: 200, body: { session: null } });
    expect(await get('/partner/feed', { authorization: bearer, 'x-partner-token': `${partner.token.slice(0, -4)}AAAA` })).toEqual({ status: 200, body: { session: null } });
  });
});

/** A users' route guard that refuses some users, as applications subclass the guard. */
@Injectable()
class NotBannedGuard extends TrackedJwtGuard {
  override handleRequest<TUser>(error: unknown, user: TUser, info: unknown, context: ExecutionContext): TUser {
    const session = super.handleRequest(error, user, info, context) as { userId?: string };
    if (session.userId === 'banned') throw new ForbiddenException('banned');
    return session as TUser;
  }
}

@Controller('account')
class AccountController {
  @UseGuards(NotBannedGuard)
  @Get()
  account(@CurrentSession() session: VerifiedToken, @Req() request: { user: { userId: string } }) {
    return { sessionUser: session.userId, audience: session.claims.aud, requestUser: request.user.userId };
  }
}

/**
 * Both instances' guards global, the partners' one optional, then a users'
 * route guard: the route's session is the users' one, whatever the
 * partners' guard proved or did not.
 */
describe('two TokenTrackingModule instances with global guards, and a route guard of the first', () => {
  const fixture = useTwoInstances(
    { controllers: [AccountController], providers: [NotBannedGuard, { provide: APP_GUARD, useClass: TrackedJwtGuard }] },
    { providers: [{ provide: APP_GUARD, useClass: OptionalPartnerGuard }] },
  );

  it('puts the users\' session back for the users\' route guard, which still judges the user', async () => {
    const { users, partners, get } = fixture;
    const user = await users.generateToken('mallory');
    const partner = await partners.generateToken('alice');
    const account = (headers: Record<string, string>) => get('/account', headers);
    const expected = { status: 200, body: { sessionUser: 'mallory', audience: ['users'], requestUser: 'mallory' } };
    expect(await account({ authorization: `Bearer ${user.token}` })).toEqual(expected);
    expect(await account({ authorization: `Bearer ${user.token}`, 'x-partner-token': partner.token })).toEqual(expected);
    const banned = await users.generateToken('banned');
    expect((await account({ authorization: `Bearer ${banned.token}` })).status).toBe(403);
    expect((await account({ 'x-partner-token': partner.token })).status).toBe(401);
  });
});
