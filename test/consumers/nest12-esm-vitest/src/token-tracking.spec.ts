import { HttpException } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import {
  MaxSessionsExceededError,
  TokenRevokedError,
  TokenTrackingError,
  TokenTrackingService,
} from 'nestjs-token-tracking';
import { AppModule } from './app.module.js';

describe('TokenTrackingService, as AppModule wires it', () => {
  let moduleRef: TestingModule;
  let tokens: TokenTrackingService;
  // A user of its own: the e2e tests use the same database.
  const userId = `service-test-${process.pid}-${Date.now()}`;

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    await moduleRef.init();
    tokens = moduleRef.get(TokenTrackingService);
  });

  afterAll(async () => {
    await moduleRef?.close();
  });

  it('issues pairs up to maxUserSessions (2) and refuses the next with a 409 HttpException', async () => {
    await tokens.generateTokenPair(userId, { role: 'user' });
    await tokens.generateTokenPair(userId, { role: 'user' });
    expect(await tokens.getUserSessionCount(userId)).toBe(2);

    const refusal: unknown = await tokens.generateTokenPair(userId, { role: 'user' }).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(MaxSessionsExceededError);
    expect(refusal).toBeInstanceOf(TokenTrackingError);
    // The application's own @nestjs/common: one copy of HttpException, so Nest maps it.
    expect(refusal).toBeInstanceOf(HttpException);
    expect((refusal as HttpException).getStatus()).toBe(409);
    expect((refusal as HttpException).getResponse()).toMatchObject({ code: 'MAX_SESSIONS_EXCEEDED' });
  });

  it('verifies, rotates and revokes a session', async () => {
    await tokens.revokeAllUserTokens(userId);
    const pair = await tokens.generateTokenPair(userId, { role: 'admin' }, { clientIp: '203.0.113.7', userAgent: 'service-test' });

    const verified = await tokens.parseToken(pair.accessToken.token);
    expect(verified).toMatchObject({ userId, sessionId: pair.sessionId, data: { role: 'admin' } });
    expect(await tokens.getUserSessions(userId)).toEqual([
      expect.objectContaining({ sessionId: pair.sessionId, clientIp: '203.0.113.7', userAgent: 'service-test' }),
    ]);

    const next = await tokens.refresh(pair.refreshToken.token);
    expect(next.sessionId).toBe(pair.sessionId);
    expect(next.accessToken.token).not.toBe(pair.accessToken.token);

    await tokens.revokeToken(next.accessToken.token, { reason: 'logout' });
    await expect(tokens.parseToken(next.accessToken.token)).rejects.toBeInstanceOf(TokenRevokedError);
    await expect(tokens.refresh(next.refreshToken.token)).rejects.toMatchObject({ status: 401 });
    expect(await tokens.getUserSessionCount(userId)).toBe(0);
  });
});
