import { Type } from '@nestjs/common';
import { loadOptionalPeer } from '../runtime/optional-peer.js';
import { AdminSessionsController } from './admin-sessions.controller.js';
import { ErrorResponseDto, RevokedCountDto, SessionDto, SessionListDto } from './session.dto.js';
import { SessionsController } from './sessions.controller.js';

type Decorator = (target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => void;
// Options are checked by @nestjs/swagger itself; its types are not imported, so that it stays optional.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type DecoratorFactory = (options?: any) => Decorator;

/** The part of `@nestjs/swagger` used to describe the library's routes. */
interface Swagger {
  ApiProperty: DecoratorFactory;
  ApiPropertyOptional: DecoratorFactory;
  ApiTags: DecoratorFactory;
  ApiBearerAuth: DecoratorFactory;
  ApiOperation: DecoratorFactory;
  ApiQuery: DecoratorFactory;
  ApiOkResponse: DecoratorFactory;
  ApiNoContentResponse: DecoratorFactory;
  ApiUnauthorizedResponse: DecoratorFactory;
  ApiForbiddenResponse: DecoratorFactory;
  ApiNotFoundResponse: DecoratorFactory;
  ApiConflictResponse: DecoratorFactory;
}

let described: Promise<void> | undefined;

/**
 * Adds OpenAPI descriptions to the session routes when the application has
 * `@nestjs/swagger` (an optional peer: without it nothing is loaded). Runs
 * once per process, while the module initialises, before any
 * `SwaggerModule.createDocument`.
 */
export function describeRoutesForOpenApi(): Promise<void> {
  described ??= loadOptionalPeer<Swagger>('@nestjs/swagger').then((swagger) => {
    if (swagger) describeWith(swagger);
  });
  return described;
}

function describeWith(s: Swagger): void {
  const property = (type: Type, name: string, options: object, optional = false) =>
    (optional ? s.ApiPropertyOptional : s.ApiProperty)(options)(type.prototype, name);
  const date = (description: string, nullable = false) => ({ type: String, format: 'date-time', description, nullable });

  property(SessionDto, 'sessionId', { type: String, description: 'Session id: the jti of a token issued alone, or the `sid` of an access/refresh pair' });
  property(SessionDto, 'userId', { type: String });
  property(SessionDto, 'createdAt', date('When the session began'));
  property(SessionDto, 'lastActiveAt', date('Last login, refresh or request (recorded at most once per interval)'));
  property(SessionDto, 'expiresAt', date('When the session ends unless used or refreshed first'));
  property(SessionDto, 'idleExpiresAt', date('When it ends if unused (sessionIdleTimeout)', true));
  property(SessionDto, 'absoluteExpiresAt', date('When it ends whatever happens (sessionMaxLifetime)', true));
  property(SessionDto, 'clientIp', { type: String, nullable: true, example: '203.0.113.7' });
  property(SessionDto, 'userAgent', { type: String, nullable: true });
  property(SessionDto, 'device', {
    type: 'object',
    description: 'The device the User-Agent names: browser, os (each null when unknown), type (desktop, mobile, tablet, tv, bot, unknown) and a readable label',
    example: { browser: 'Firefox 131.0', os: 'Windows 10', type: 'desktop', label: 'Firefox 131.0 on Windows 10' },
  });
  property(SessionDto, 'current', { type: Boolean, description: 'True for the session making this request (self-service listing only)' }, true);
  property(SessionListDto, 'userId', { type: String });
  property(SessionListDto, 'count', { type: Number, description: 'All active sessions of the user, whatever the page' });
  property(SessionListDto, 'sessions', { type: () => [SessionDto], description: 'Oldest first' });
  property(RevokedCountDto, 'revoked', { type: Number, description: 'How many live sessions were revoked' });
  property(ErrorResponseDto, 'statusCode', { type: Number, example: 401 });
  property(ErrorResponseDto, 'code', { type: String, example: 'TOKEN_REVOKED', description: 'Stable error code' });
  property(ErrorResponseDto, 'message', { type: String, example: 'token is already revoked' });
  property(ErrorResponseDto, 'error', { type: String, example: 'Unauthorized' });

  const error = (description?: string) => ({ type: ErrorResponseDto, ...(description ? { description } : {}) });
  const page = [s.ApiQuery({ name: 'limit', required: false, type: Number }), s.ApiQuery({ name: 'offset', required: false, type: Number })];
  const describe = (controller: Type, method: string, decorators: Decorator[]) => {
    const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, method)!;
    for (const decorator of decorators) decorator(controller.prototype, method, descriptor);
  };
  const describeClass = (controller: Type, decorators: Decorator[]) => {
    for (const decorator of decorators) decorator(controller);
  };

  describeClass(SessionsController, [
    s.ApiTags('sessions'),
    s.ApiBearerAuth(),
    s.ApiUnauthorizedResponse(error('Missing, invalid, expired or revoked token')),
  ]);
  describe(SessionsController, 'list', [s.ApiOperation({ summary: 'List my active sessions, oldest first; the current one is marked' }), ...page, s.ApiOkResponse({ type: SessionListDto })]);
  describe(SessionsController, 'revokeCurrent', [s.ApiOperation({ summary: 'Log out: revoke the session making this request' }), s.ApiNoContentResponse()]);
  describe(SessionsController, 'revokeOthers', [s.ApiOperation({ summary: 'Log out my other devices' }), s.ApiOkResponse({ type: RevokedCountDto })]);
  describe(SessionsController, 'revokeOne', [
    s.ApiOperation({ summary: 'Revoke one of my sessions' }),
    s.ApiNoContentResponse(),
    s.ApiNotFoundResponse(error('No active session of mine has this id')),
    s.ApiConflictResponse(error('Already revoked (ALREADY_REVOKED)')),
  ]);
  describe(SessionsController, 'revokeAll', [s.ApiOperation({ summary: 'Log out everywhere: revoke all my tokens' }), s.ApiOkResponse({ type: RevokedCountDto })]);

  describeClass(AdminSessionsController, [
    s.ApiTags('admin sessions'),
    s.ApiBearerAuth(),
    s.ApiUnauthorizedResponse(error()),
    s.ApiForbiddenResponse(error('The authorize hook refused, or none is configured')),
  ]);
  describe(AdminSessionsController, 'access', [
    s.ApiOperation({ summary: 'Whether this token may use the admin routes: { allowed } (never a 403)' }),
    s.ApiOkResponse({ schema: { properties: { allowed: { type: 'boolean' } } } }),
  ]);
  describe(AdminSessionsController, 'list', [s.ApiOperation({ summary: "List a user's active sessions, oldest first" }), ...page, s.ApiOkResponse({ type: SessionListDto })]);
  describe(AdminSessionsController, 'revokeAll', [s.ApiOperation({ summary: "Revoke all of a user's tokens, tracked or not" }), s.ApiOkResponse({ type: RevokedCountDto })]);
  describe(AdminSessionsController, 'revokeOne', [
    s.ApiOperation({ summary: 'Revoke one session (by session id, or the jti of one of its tokens)' }),
    s.ApiNoContentResponse(),
    s.ApiNotFoundResponse(error()),
    s.ApiConflictResponse(error('Already revoked (ALREADY_REVOKED)')),
  ]);
}
