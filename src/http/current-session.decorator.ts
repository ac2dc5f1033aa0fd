import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { VerifiedToken } from '../jwt/token-claims.js';

/**
 * The session of the authenticated request (user id, jti, issued/expiry
 * times, data), as `TrackedJwtGuard` verified it. Undefined on public routes.
 */
export const CurrentSession = createParamDecorator(
  (_: unknown, context: ExecutionContext): VerifiedToken | undefined =>
    context.switchToHttp().getRequest<{ user?: VerifiedToken }>().user,
);
