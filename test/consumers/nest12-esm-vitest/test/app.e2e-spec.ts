import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TokenTrackingService } from 'nestjs-token-tracking';
import request from 'supertest';
import { App } from 'supertest/types.js';
import { AppModule } from './../src/app.module.js';

describe('the application over HTTP (Express)', () => {
  let app: INestApplication<App>;

  const login = (username: string) =>
    request(app.getHttpServer()).post('/auth/login').send({ username, password: `${username}-password` });

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: ['error', 'warn'] });
    await app.init();
    // Earlier runs on the same database would count against the cap.
    const tokens = app.get(TokenTrackingService);
    for (const userId of ['user-alice', 'user-bob', 'user-admin']) await tokens.revokeAllUserTokens(userId);
  });

  afterAll(async () => {
    await app?.close();
  });

  let first: { accessToken: string; refreshToken: string };
  let second: { accessToken: string; refreshToken: string };

  it('logs in up to the cap (2) and answers 409 MAX_SESSIONS_EXCEEDED past it', async () => {
    const one = await login('alice').expect(200);
    expect(one.body).toEqual(expect.objectContaining({ accessToken: expect.any(String), refreshToken: expect.any(String) }));
    const two = await login('alice').expect(200);
    first = one.body;
    second = two.body;

    const three = await login('alice').expect(409);
    expect(three.body).toMatchObject({ statusCode: 409, code: 'MAX_SESSIONS_EXCEEDED' });

    await request(app.getHttpServer()).post('/auth/login').send({ username: 'alice', password: 'wrong' }).expect(401);
  });

  it('guards GET /profile: 200 with a token, 401 with WWW-Authenticate: Bearer without', async () => {
    const ok = await request(app.getHttpServer()).get('/profile').auth(first.accessToken, { type: 'bearer' }).expect(200);
    expect(ok.body).toMatchObject({ userId: 'user-alice', role: 'user' });

    const missing = await request(app.getHttpServer()).get('/profile').expect(401).expect('WWW-Authenticate', 'Bearer');
    expect(missing.body).toMatchObject({ code: 'TOKEN_MISSING' });

    await request(app.getHttpServer())
      .get('/profile')
      .auth(`${first.accessToken.slice(0, -4)}AAAA`, { type: 'bearer' })
      .expect(401)
      .expect('WWW-Authenticate', /^Bearer error="invalid_token"/);
  });

  it('refreshes: 200 with a new pair; a garbage refresh token is a 401', async () => {
    const refreshed = await request(app.getHttpServer()).post('/auth/refresh').send({ refreshToken: first.refreshToken }).expect(200);
    expect(refreshed.body.accessToken).not.toBe(first.accessToken);
    expect(refreshed.body.refreshToken).not.toBe(first.refreshToken);
    await request(app.getHttpServer()).get('/profile').auth(refreshed.body.accessToken, { type: 'bearer' }).expect(200);
    first = refreshed.body;

    const garbage = await request(app.getHttpServer()).post('/auth/refresh').send({ refreshToken: 'not-a-jwt' }).expect(401);
    expect(garbage.body).toMatchObject({ statusCode: 401, code: expect.any(String) });

    // An access token is not a refresh token.
    const wrongType = await request(app.getHttpServer()).post('/auth/refresh').send({ refreshToken: first.accessToken }).expect(401);
    expect(wrongType.body).toMatchObject({ code: 'TOKEN_TYPE_INVALID' });
  });

  it('logs out with DELETE /auth/sessions/current: 204, then the token is 401 TOKEN_REVOKED', async () => {
    await request(app.getHttpServer()).delete('/auth/sessions/current').auth(second.accessToken, { type: 'bearer' }).expect(204);

    const after = await request(app.getHttpServer()).get('/profile').auth(second.accessToken, { type: 'bearer' }).expect(401);
    expect(after.body).toMatchObject({ code: 'TOKEN_REVOKED' });

    // The session no longer counts: a new login fits under the cap again.
    await login('alice').expect(200);
  });

  it("lists a user's sessions for admins only: 403 for a user, 200 for the admin", async () => {
    const denied = await request(app.getHttpServer())
      .get('/admin/sessions/users/user-alice')
      .auth(first.accessToken, { type: 'bearer' })
      .expect(403);
    expect(denied.body).toMatchObject({ code: 'ADMIN_ACCESS_DENIED' });

    const admin = await login('admin').expect(200);
    const listed = await request(app.getHttpServer())
      .get('/admin/sessions/users/user-alice')
      .auth(admin.body.accessToken, { type: 'bearer' })
      .expect(200);
    expect(listed.body.count).toBe(2);
  });
});
