import { Body, Controller, Delete, Get, HttpCode, INestApplication, Inject, Module, Post, UseGuards } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import {
  CurrentSession,
  TokenTrackingExceptionFilter,
  TokenTrackingModule,
  TokenTrackingService,
  TrackedJwtGuard,
  VerifiedToken,
} from '../../src/index.js';
import { createTestDatabase, TestDatabase } from '../support/test-database.js';

/** Routes as an application writes them: no try/catch around the library, no filter unless asked. */
@Controller()
class UserRoutes {
  constructor(@Inject(TokenTrackingService) private readonly tokens: TokenTrackingService) {}

  @Post('login')
  @HttpCode(200)
  login(@Body() body: { user: string }) {
    return this.tokens.generateTokenPair(body.user).then((pair) => ({ access: pair.accessToken.token, refresh: pair.refreshToken.token }));
  }

  @Post('refresh')
  @HttpCode(200)
  refresh(@Body() body: { refresh: string }) {
    return this.tokens.refresh(body.refresh).then((pair) => ({ access: pair.accessToken.token, refresh: pair.refreshToken.token }));
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @UseGuards(TrackedJwtGuard)
  async revoke(@CurrentSession() session: VerifiedToken) {
    await this.tokens.revokeUserSession(session.userId, session.sessionId);
    await this.tokens.revokeUserSession(session.userId, session.sessionId);
  }

  @Get('me')
  @UseGuards(TrackedJwtGuard)
  me(@CurrentSession() session: VerifiedToken) {
    return { userId: session.userId };
  }
}

async function startApp(db: TestDatabase, withFilter: boolean): Promise<{ app: INestApplication; url: string }> {
  @Module({
    imports: [TokenTrackingModule.forRoot({
      prisma: db.prisma, signing: { secret: randomBytes(32) }, issuer: 'i', audience: 'a', maxUserSessions: 1, purge: false,
    })],
    controllers: [UserRoutes],
    providers: withFilter ? [{ provide: APP_FILTER, useClass: TokenTrackingExceptionFilter }] : [],
  })
  class UserAppModule {}
  const app = await NestFactory.create(UserAppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

const call = async (url: string, method: string, path: string, body?: unknown, token?: string) => {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, challenge: response.headers.get('www-authenticate') };
};

describe.each([
  ['with no exception filter at all', false],
  ['with TokenTrackingExceptionFilter registered globally', true],
])('library errors in an application\'s own routes, %s', (_, withFilter) => {
  let db: TestDatabase;
  let running: { app: INestApplication; url: string };

  beforeAll(async () => {
    db = await createTestDatabase();
    running = await startApp(db, withFilter);
  });

  afterAll(async () => {
    await running?.app.close();
    await db?.dispose();
  });

  it('answer with their status and code: 409 at the cap, 401 for every refresh problem, 409 for revoking twice', async () => {
    const { url } = running;
    const first = await call(url, 'POST', '/login', { user: 'u1' });
    expect(first.status).toBe(200);
    expect(await call(url, 'POST', '/login', { user: 'u1' })).toMatchObject({ status: 409, body: { code: 'MAX_SESSIONS_EXCEEDED', statusCode: 409 } });

    const garbage = await call(url, 'POST', '/refresh', { refresh: 'garbage-garbage-garbage' });
    expect(garbage).toMatchObject({ status: 401, body: { code: 'TOKEN_MALFORMED' } });
    expect(await call(url, 'POST', '/refresh', { refresh: first.body.access })).toMatchObject({ status: 401, body: { code: 'TOKEN_TYPE_INVALID' } });

    const rotated = await call(url, 'POST', '/refresh', { refresh: first.body.refresh });
    expect(rotated.status).toBe(200);
    const twice = await call(url, 'DELETE', '/sessions/x', {}, rotated.body.access);
    expect(twice).toMatchObject({ status: 409, body: { code: 'ALREADY_REVOKED' } });
    const revoked = await call(url, 'POST', '/refresh', { refresh: rotated.body.refresh });
    expect(revoked).toMatchObject({ status: 401, body: { code: 'TOKEN_REVOKED' } });
    // The filter adds the RFC 6750 challenge that Nest's own handling cannot.
    expect(revoked.challenge).toBe(withFilter ? 'Bearer error="invalid_token", error_description="token is already revoked"' : null);
    expect(await call(url, 'GET', '/me', undefined, rotated.body.access)).toMatchObject({ status: 401, body: { code: 'TOKEN_REVOKED' } });
  });
});
