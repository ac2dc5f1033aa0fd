import type { ExecutionContext } from '@nestjs/common';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { TestSigner } from '../support/test-signer.js';
import { createTestDatabase } from '../support/test-database.js';
import { startExampleApp, useExampleApp } from '../support/http-app.js';

const SECRET = randomBytes(32);
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('TrackedJwtGuard over HTTP', () => {
  const codec = new TestSigner('HS256', SECRET);
  const claims = (overrides: Record<string, unknown> = {}) => {
    const now = Date.now() / 1000;
    return {
      iss: 'example-app', aud: ['example-app-clients'], sub: 'user-alice', iat: now, nbf: Math.floor(now),
      exp: Math.floor(now) + 600, jti: randomBytes(32).toString('base64url'), ...overrides,
    };
  };

  const fixture = useExampleApp({ tokenTracking: { signing: { secret: SECRET } } });

  it('lets public routes through and guards the rest, as a global guard', async () => {
    expect(await fixture.running.request('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok', info: { token_tracking: { status: 'up' } } } });
    const missing = await fixture.running.request('GET', '/profile');
    expect(missing).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING', statusCode: 401 } });
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('accepts a fresh token, and rejects it in the very next request after it is revoked', async () => {
    const token = await fixture.running.login('alice');
    expect(await fixture.running.request('GET', '/profile', { token })).toMatchObject({ status: 200, body: { userId: 'user-alice', role: 'user' } });
    expect((await fixture.running.request('DELETE', '/auth/sessions/current', { token })).status).toBe(204);
    const after = await fixture.running.request('GET', '/profile', { token });
    expect(after).toMatchObject({ status: 401, body: { code: 'TOKEN_REVOKED', message: 'token is already revoked' } });
    expect(after.headers.get('www-authenticate')).toBe('Bearer error="invalid_token", error_description="token is already revoked"');
  });

  const otherRsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  it.each<[string, () => string, string]>([
    ['expired', () => codec.sign(claims({ exp: Math.floor(Date.now() / 1000) - 1 })), 'TOKEN_EXPIRED'],
    ['not yet valid', () => codec.sign(claims({ nbf: Math.floor(Date.now() / 1000) + 3600 })), 'TOKEN_NOT_YET_VALID'],
    ['signed with another key', () => new TestSigner('HS256', randomBytes(32)).sign(claims()), 'INVALID_SIGNATURE'],
    ['tampered', () => {
      const [header, , signature] = codec.sign(claims()).split('.');
      return `${header}.${base64url(claims({ sub: 'user-admin' }))}.${signature}`;
    }, 'INVALID_SIGNATURE'],
    ['alg none', () => `${base64url({ alg: 'none' })}.${base64url(claims())}.`, 'ALGORITHM_NOT_ALLOWED'],
    ['another algorithm', () => new TestSigner('RS256', otherRsa).sign(claims()), 'ALGORITHM_NOT_ALLOWED'],
    ['from another issuer', () => codec.sign(claims({ iss: 'another-app' })), 'ISSUER_INVALID'],
    ['for another audience', () => codec.sign(claims({ aud: ['another-api'] })), 'AUDIENCE_INVALID'],
    ['missing its jti', () => codec.sign(claims({ jti: undefined })), 'INVALID_CLAIMS'],
    ['malformed', () => 'not-a-jwt-but-long-enough', 'TOKEN_MALFORMED'],
    // A lenient base64url decoder skips such characters and would find the signature valid.
    ['with characters outside base64url in its signature', () => `${codec.sign(claims())}!*`, 'TOKEN_MALFORMED'],
    ['with a signature split by a space', () => codec.sign(claims()).replace(/(\.[^.]{10})([^.]+)$/, '$1 $2'), 'TOKEN_MALFORMED'],
    ['too large', () => codec.sign(claims({ data: { blob: 'x'.repeat(9000) } })), 'TOKEN_TOO_LARGE'],
    ['HS384 with the right secret', () => {
      const input = `${base64url({ alg: 'HS384' })}.${base64url(claims())}`;
      return `${input}.${createHmac('sha384', SECRET).update(input).digest('base64url')}`;
    }, 'ALGORITHM_NOT_ALLOWED'],
  ])('rejects a token %s with 401 and its code', async (_, makeToken, code) => {
    const response = await fixture.running.request('GET', '/profile', { token: makeToken() });
    expect(response.status).toBe(401);
    expect(response.body).toEqual({ statusCode: 401, code, message: expect.any(String), error: 'Unauthorized' });
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", error_description="[^"]+"$/);
  });

  it('treats a non-Bearer Authorization header as no token', async () => {
    const response = await fixture.running.request('GET', '/profile', { headers: { authorization: 'Basic YWxpY2U6c2VjcmV0' } });
    expect(response).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
  });

  it('refuses a Bearer header with more after the token, rather than reading its first word', async () => {
    const token = await fixture.running.login('alice');
    for (const authorization of [`Bearer ${token} junk`, `Bearer ${token} ${token}`, `Bearer ${token}\tjunk`]) {
      const response = await fixture.running.request('GET', '/profile', { headers: { authorization } });
      expect({ authorization, status: response.status, code: response.body.code }).toEqual({ authorization, status: 401, code: 'TOKEN_MALFORMED' });
    }
    // What passport-jwt's extractor reads, this one reads too: any case, whitespace around the token.
    for (const authorization of [`bearer ${token}`, `Bearer  ${token} `, `Bearer\t${token}`]) {
      expect({ authorization, status: (await fixture.running.request('GET', '/profile', { headers: { authorization } })).status }).toEqual({ authorization, status: 200 });
    }
    for (const authorization of ['Bearer', 'Bearer ', 'Bearer   ']) {
      expect((await fixture.running.request('GET', '/profile', { headers: { authorization } })).body).toMatchObject({ code: 'TOKEN_MISSING' });
    }
  });

  it('accepts a validly signed token that was never tracked (issued elsewhere with the same key)', async () => {
    const response = await fixture.running.request('GET', '/profile', { token: codec.sign(claims({ data: { role: 'user' } })) });
    expect(response).toMatchObject({ status: 200, body: { userId: 'user-alice' } });
  });
});

describe('TrackedJwtGuard when the database is unreachable', () => {
  it('answers 503 STORE_UNAVAILABLE, not 401 and not 500', async () => {
    const { createPrismaClient } = await import('../../dev/prisma.js');
    const prisma = createPrismaClient('postgresql://postgres:postgres@127.0.0.1:1/none');
    const running = await startExampleApp({ prisma, tokenTracking: { signing: { secret: SECRET } } });
    try {
      const now = Date.now() / 1000;
      const token = new TestSigner('HS256', SECRET).sign({
        iss: 'example-app', aud: ['example-app-clients'], sub: 'u', iat: now, exp: Math.floor(now) + 60, jti: 'j'.repeat(43),
      });
      const guarded = await running.request('GET', '/profile', { token });
      expect(guarded).toMatchObject({ status: 503, body: { code: 'STORE_UNAVAILABLE', statusCode: 503 } });
      expect(guarded.headers.get('www-authenticate')).toBeNull();
      const login = await running.request('POST', '/auth/login', { body: { username: 'alice', password: 'alice-password' } });
      expect(login).toMatchObject({ status: 503, body: { code: 'STORE_UNAVAILABLE' } });
    } finally {
      await running.close();
      await prisma.$disconnect();
    }
  });
});

describe('TrackedJwtGuard next to an application\'s own passport-jwt strategy', () => {
  it('coexists with the plain `jwt` strategy on route-level guards; only the tracked one sees revocations', async () => {
    const { createBenchApp, benchOptions } = await import('../../bench/bench-app.js');
    const { TokenTrackingService } = await import('../../src/index.js');
    const db = await createTestDatabase();
    const app = await createBenchApp(benchOptions(db.prisma));
    try {
      await app.listen(0, '127.0.0.1');
      const base = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const get = async (path: string, token: string) =>
        (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })).status;
      const { token } = await app.get(TokenTrackingService).generateToken('coexisting-user');
      expect([await get('/bench/plain', token), await get('/bench/tracked', token)]).toEqual([200, 200]);
      await app.get(TokenTrackingService).revokeToken(token);
      expect([await get('/bench/plain', token), await get('/bench/tracked', token)]).toEqual([200, 401]);
    } finally {
      await app.close();
      await db.dispose();
    }
  });
});

describe('TrackedJwtGuard registered globally and on a controller', () => {
  it('verifies a request once, not once per registration', async () => {
    const { PrismaTokenStore } = await import('../../src/index.js');
    const { recordingTokenStore } = await import('../support/recording-token-store.js');
    const db = await createTestDatabase();
    const { store, calls } = recordingTokenStore(new PrismaTokenStore(db.prisma));
    const running = await startExampleApp({ prisma: db.prisma, tokenTracking: { store } });
    try {
      const token = await running.login('alice');
      calls.length = 0;
      // The session routes carry @UseGuards(TrackedJwtGuard); the example also registers it as APP_GUARD.
      expect((await running.request('GET', '/auth/sessions', { token })).status).toBe(200);
      expect(calls.filter((call) => call === 'isRevoked')).toHaveLength(1);
    } finally {
      await running.close();
      await db.dispose();
    }
  });
});

describe('TrackedJwtGuard registered globally and on a route, under concurrent requests', () => {
  it('gives each request its own user and session when other requests are verified between its two guards', async () => {
    const { Controller, Get, Injectable, Req, UseGuards } = await import('@nestjs/common');
    const { CurrentSession, TokenTrackingService, TrackedJwtGuard } = await import('../../src/index.js');
    type Session = import('../../src/index.js').VerifiedToken;
    /** An asynchronous guard between the global TrackedJwtGuard and the route's: other requests are verified while it waits. */
    @Injectable()
    class RandomDelayGuard {
      async canActivate() {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        return true;
      }
    }
    @Controller('whoami')
    @UseGuards(RandomDelayGuard)
    class WhoAmI {
      @Get()
      @UseGuards(TrackedJwtGuard)
      whoami(@CurrentSession() session: Session, @Req() request: { user: { id: string } }) {
        return { session: session.userId, user: request.user.id };
      }
    }
    const db = await createTestDatabase();
    let resolved = 0;
    const resolveUser = async (session: Session) => {
      resolved++;
      return { id: session.userId };
    };
    const running = await startExampleApp({ prisma: db.prisma, tokenTracking: { signing: { secret: SECRET }, resolveUser }, extend: { controllers: [WhoAmI], providers: [RandomDelayGuard] } });
    try {
      const tracking = running.app.get(TokenTrackingService);
      const users = Array.from({ length: 40 }, (_, n) => `concurrent-user-${n}`);
      const tokens = await Promise.all(users.map(async (user) => (await tracking.generateToken(user)).token));
      for (let round = 0; round < 3; round++) {
        resolved = 0;
        const answers = await Promise.all(tokens.map((token) => running.request('GET', '/whoami', { token })));
        expect(answers.map((answer) => answer.body)).toEqual(users.map((user) => ({ session: user, user })));
        // The route's guard verified again for at least one request: another was verified after its global guard.
        expect(resolved).toBeGreaterThan(users.length);
      }
    } finally {
      await running.close();
      await db.dispose();
    }
  });
});

describe('TrackedJwtGuard on a handler that two controllers inherit', () => {
  it('judges each controller by its own @Public(), on every request, not by the first one seen', async () => {
    const { Controller, Get } = await import('@nestjs/common');
    const { Public } = await import('../../src/index.js');
    class ListingBase {
      @Get('items')
      items() {
        return { ok: true };
      }
    }
    @Public()
    @Controller('open-listing')
    class OpenListing extends ListingBase {}
    @Controller('closed-listing')
    class ClosedListing extends ListingBase {}
    const db = await createTestDatabase();
    const running = await startExampleApp({ prisma: db.prisma, tokenTracking: { signing: { secret: SECRET } }, extend: { controllers: [OpenListing, ClosedListing] } });
    try {
      for (let round = 0; round < 2; round++) {
        expect((await running.request('GET', '/open-listing/items')).status).toBe(200);
        expect((await running.request('GET', '/closed-listing/items')).body).toMatchObject({ statusCode: 401, code: 'TOKEN_MISSING' });
      }
      const token = await running.login('alice');
      expect((await running.request('GET', '/closed-listing/items', { token })).status).toBe(200);
    } finally {
      await running.close();
      await db.dispose();
    }
  });
});

describe('TrackedJwtGuard with a strategy whose validate returns a thenable that is not a native Promise', () => {
  const fixture = useExampleApp({ tokenTracking: { signing: { secret: SECRET } } });

  it('waits for it, as await would: a revoked or malformed token is still refused', async () => {
    const { TrackedJwtStrategy } = await import('../../src/index.js');
    const strategy = fixture.running.app.get(TrackedJwtStrategy, { strict: false });
    // A Bluebird promise, a promise of another realm, or any thenable.
    (strategy as unknown as { validate: unknown }).validate = function (this: InstanceType<typeof TrackedJwtStrategy>, request: never, token: string) {
      const validated = TrackedJwtStrategy.prototype.validate.call(this, request, token);
      return { then: (onFulfilled: never, onRejected: never) => validated.then(onFulfilled, onRejected) };
    };
    const token = await fixture.running.login('alice');
    expect(await fixture.running.request('GET', '/profile', { token })).toMatchObject({ status: 200, body: { userId: 'user-alice' } });
    expect((await fixture.running.request('DELETE', '/auth/sessions/current', { token })).status).toBe(204);
    expect(await fixture.running.request('GET', '/profile', { token })).toMatchObject({ status: 401, body: { code: 'TOKEN_REVOKED' } });
    expect(await fixture.running.request('GET', '/profile', { token: `${'a'.repeat(30)}.b.c` })).toMatchObject({ status: 401, body: { code: 'TOKEN_MALFORMED' } });
  });
});

describe('TrackedJwtGuard.isPublicRoute on a context built by hand', () => {
  it('answers for a @Public() handler even without a controller class, as the reflector does', async () => {
    const { Reflector } = await import('@nestjs/core');
    const { ExecutionContextHost } = await import('@nestjs/core/helpers/execution-context-host.js');
    const { Public, TrackedJwtGuard } = await import('../../src/index.js');
    class Routes {
      @Public()
      open() {
        return undefined;
      }
    }
    const guard = new TrackedJwtGuard(new Reflector());
    const context = new ExecutionContextHost([{ headers: {} }, {}, undefined], undefined as never, Routes.prototype.open);
    await expect(guard.canActivate(context)).resolves.toBe(true);
  });
});

describe('TrackedJwtGuard whose strategy refuses a token after proving its session', () => {
  it('leaves no session on a request that optional authentication lets through', async () => {
    const { Controller, Get, Injectable, Module, UseGuards } = await import('@nestjs/common');
    const { NestFactory } = await import('@nestjs/core');
    const { CurrentSession, TokenTrackingModule, TokenTrackingService, TrackedJwtGuard, TrackedJwtStrategy, UserRejectedError } = await import('../../src/index.js');
    @Injectable()
    class OptionalTrackedJwtGuard extends TrackedJwtGuard {
      override handleRequest<TUser>(_error: unknown, user: TUser): TUser {
        return (user || null) as TUser;
      }
    }
    @UseGuards(OptionalTrackedJwtGuard)
    @Controller('maybe')
    class MaybeController {
      @Get()
      maybe(@CurrentSession() session: unknown) {
        return { session: session ?? null };
      }
    }
    const db = await createTestDatabase();
    @Module({
      imports: [TokenTrackingModule.forRoot({ prisma: db.prisma, signing: { secret: SECRET }, issuer: 'i', audience: 'a', purge: false })],
      controllers: [MaybeController],
      providers: [OptionalTrackedJwtGuard],
    })
    class MaybeModule {}
    const app = await NestFactory.create(MaybeModule, { logger: false });
    try {
      await app.listen(0, '127.0.0.1');
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const strategy = app.get(TrackedJwtStrategy, { strict: false });
      // As a subclass would: the library's checks (which prove the session), then its own, which refuses.
      (strategy as unknown as { validate: unknown }).validate = async function (this: InstanceType<typeof TrackedJwtStrategy>, request: never, token: string) {
        await TrackedJwtStrategy.prototype.validate.call(this, request, token);
        throw new UserRejectedError();
      };
      const { token } = await app.get(TokenTrackingService).generateToken('refused-after-proof');
      const response = await fetch(`${url}/maybe`, { headers: { authorization: `Bearer ${token}` } });
      expect({ status: response.status, body: await response.json() }).toEqual({ status: 200, body: { session: null } });
    } finally {
      await app.close();
      await db.dispose();
    }
  });
});

describe('TrackedJwtGuard after another guard of the same module instance', () => {
  it('asks for a token when the guard before it let the request in without one, and lets each guard judge the user', async () => {
    const { Controller, ForbiddenException, Get, Injectable, Module, Req, UseGuards } = await import('@nestjs/common');
    const { NestFactory } = await import('@nestjs/core');
    const { TokenTrackingModule, TokenTrackingService, TrackedJwtGuard } = await import('../../src/index.js');
    /** The usual optional-authentication subclass: no token, or a bad one, makes an anonymous request. */
    @Injectable()
    class OptionalTrackedJwtGuard extends TrackedJwtGuard {
      override handleRequest<TUser>(_error: unknown, user: TUser): TUser {
        return (user || null) as TUser;
      }
    }
    /** Optional authentication that puts a placeholder where the user goes. */
    @Injectable()
    class GuestTrackedJwtGuard extends TrackedJwtGuard {
      override handleRequest<TUser>(_error: unknown, user: TUser): TUser {
        return (user || { guest: true }) as TUser;
      }
    }
    /** A subclass that refuses some verified users. */
    @Injectable()
    class AdminGuard extends TrackedJwtGuard {
      override handleRequest<TUser>(error: unknown, user: TUser, info: unknown, context: ExecutionContext): TUser {
        const session = super.handleRequest(error, user, info, context) as { data?: { role?: string } };
        if (session.data?.role !== 'admin') throw new ForbiddenException('admins only');
        return session as TUser;
      }
    }
    @UseGuards(OptionalTrackedJwtGuard)
    @Controller('feed')
    class FeedController {
      @Get()
      feed(@Req() request: { user: unknown }) {
        return { user: request.user ?? null };
      }

      @UseGuards(TrackedJwtGuard)
      @Get('mine')
      mine(@Req() request: { user: { userId: string } }) {
        return { userId: request.user.userId };
      }
    }
    @UseGuards(GuestTrackedJwtGuard)
    @Controller('guest')
    class GuestController {
      @UseGuards(TrackedJwtGuard)
      @Get('mine')
      mine(@Req() request: { user: { userId: string } }) {
        return { userId: request.user.userId };
      }
    }
    @UseGuards(TrackedJwtGuard)
    @Controller('admin')
    class AdminController {
      @UseGuards(AdminGuard)
      @Get()
      admin(@Req() request: { user: { userId: string } }) {
        return { admin: request.user.userId };
      }
    }
    const db = await createTestDatabase();
    @Module({
      imports: [TokenTrackingModule.forRoot({ prisma: db.prisma, signing: { secret: SECRET }, issuer: 'i', audience: 'a', purge: false })],
      controllers: [FeedController, GuestController, AdminController],
      providers: [OptionalTrackedJwtGuard, GuestTrackedJwtGuard, AdminGuard],
    })
    class OptionalModule {}
    const app = await NestFactory.create(OptionalModule, { logger: false });
    try {
      await app.listen(0, '127.0.0.1');
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const tokens = app.get(TokenTrackingService);
      const { token } = await tokens.generateToken('reader', { role: 'user' });
      const forged = `${token.slice(0, -4)}AAAA`;
      const get = async (path: string, authorization?: string) => {
        const response = await fetch(`${url}${path}`, { headers: authorization ? { authorization } : {} });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      expect(await get('/feed')).toEqual({ status: 200, body: { user: null } });
      expect(await get('/feed/mine', `Bearer ${token}`)).toEqual({ status: 200, body: { userId: 'reader' } });
      expect(await get('/feed/mine')).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
      expect((await get('/feed/mine', `Bearer ${forged}`)).status).toBe(401);

      expect(await get('/guest/mine', `Bearer ${token}`)).toEqual({ status: 200, body: { userId: 'reader' } });
      expect(await get('/guest/mine')).toMatchObject({ status: 401, body: { code: 'TOKEN_MISSING' } });
      expect((await get('/guest/mine', `Bearer ${forged}`)).status).toBe(401);

      expect(await get('/admin', `Bearer ${token}`)).toMatchObject({ status: 403, body: { message: 'admins only' } });
      const admin = await tokens.generateToken('boss', { role: 'admin' });
      expect(await get('/admin', `Bearer ${admin.token}`)).toEqual({ status: 200, body: { admin: 'boss' } });
    } finally {
      await app.close();
      await db.dispose();
    }
  }, 60_000);

  it('verifies every time when getRequest gives an object of its own, which may outlive the request', async () => {
    const { Controller, Get, Injectable, Module, UseGuards } = await import('@nestjs/common');
    const { NestFactory } = await import('@nestjs/core');
    const { TokenTrackingModule, TokenTrackingService, TrackedJwtGuard } = await import('../../src/index.js');
    /** One object per client address, given each request's headers: a verdict on it must not outlive the request. */
    const perClient = new Map<string, { headers: Record<string, unknown> }>();
    @Injectable()
    class PerClientGuard extends TrackedJwtGuard {
      override getRequest(context: ExecutionContext) {
        const request = context.switchToHttp().getRequest<{ ip: string; headers: Record<string, unknown> }>();
        let shared = perClient.get(request.ip);
        if (!shared) perClient.set(request.ip, (shared = { headers: {} }));
        shared.headers = request.headers;
        return shared as never;
      }
    }
    @Controller('per-client')
    class PerClientController {
      @UseGuards(PerClientGuard, PerClientGuard)
      @Get()
      answer() {
        return { ok: true };
      }
    }
    const db = await createTestDatabase();
    @Module({
      imports: [TokenTrackingModule.forRoot({ prisma: db.prisma, signing: { secret: SECRET }, issuer: 'i', audience: 'a', purge: false })],
      controllers: [PerClientController],
      providers: [PerClientGuard],
    })
    class PerClientModule {}
    const app = await NestFactory.create(PerClientModule, { logger: false });
    try {
      await app.listen(0, '127.0.0.1');
      const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      const { token } = await app.get(TokenTrackingService).generateToken('reader');
      expect((await fetch(`${url}/per-client`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${url}/per-client`)).status).toBe(401);
    } finally {
      await app.close();
      await db.dispose();
    }
  }, 60_000);
});
