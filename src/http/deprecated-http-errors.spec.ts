import { jest } from '@jest/globals';
import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import { MaxSessionsExceededError } from '../errors/max-sessions-exceeded.error.js';
import { TokenRevokedError } from '../errors/token-revoked.error.js';
import { httpStatusOf, TokenTrackingHttpException } from '../index.js';

const spyOnWarnings = () => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

describe("0.1's HTTP helpers, deprecated since errors are HttpExceptions", () => {
  let warn: ReturnType<typeof spyOnWarnings>;
  beforeEach(() => {
    warn = spyOnWarnings();
  });
  afterEach(() => warn.mockRestore());

  it('httpStatusOf answers the status the error carries, warning once per process', () => {
    expect(httpStatusOf(new MaxSessionsExceededError(), 'operation')).toBe(HttpStatus.CONFLICT);
    expect(httpStatusOf(new TokenRevokedError(), 'authentication')).toBe(HttpStatus.UNAUTHORIZED);
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/^httpStatusOf is deprecated: .*use error\.getStatus\(\); it will be removed in 0\.4\.0/),
    ]);
  });

  it('TokenTrackingHttpException answers with the error\'s status and body, warning once per process', () => {
    const failure = new TokenRevokedError();
    const first = new TokenTrackingHttpException(failure, 'authentication');
    new TokenTrackingHttpException(new MaxSessionsExceededError(), 'operation');
    expect(first).toBeInstanceOf(HttpException);
    expect(first.getStatus()).toBe(HttpStatus.UNAUTHORIZED);
    expect(first.getResponse()).toEqual({ statusCode: 401, code: 'TOKEN_REVOKED', message: failure.message, error: 'Unauthorized' });
    expect(first.failure).toBe(failure);
    expect(warn.mock.calls.map(([message]) => String(message))).toEqual([
      expect.stringMatching(/^TokenTrackingHttpException is deprecated: .*throw the error itself/),
    ]);
  });
});
