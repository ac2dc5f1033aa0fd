import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC_ROUTE = 'token-tracking:public-route';

/**
 * Lets requests through `TrackedJwtGuard` without a token, for routes such
 * as login or health checks when the guard is registered globally.
 */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_ROUTE, true);
