import { CanActivate, ExecutionContext, Inject, Injectable, Type } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { isObservable, lastValueFrom } from 'rxjs';
import { AdminAccessDeniedError } from '../errors/admin-access-denied.error.js';
import { ErrorMessages } from '../errors/error-catalog.js';
import { VerifiedToken } from '../jwt/token-claims.js';
import { ADMIN_ROUTES_OPTIONS } from '../internal.constants.js';
import { requestOf } from './request-of-context.js';
import { VERIFIED_SESSION } from './session-key.js';

/** Decides whether an authenticated request may use the admin routes. */
export type AdminAuthorizePredicate = (session: VerifiedToken, request: unknown) => boolean | Promise<boolean>;

export interface AdminRoutesOptions {
  /** Route prefix. Default `admin/sessions`. */
  path?: string;
  /**
   * The application's authorization: a predicate over the verified session
   * (for example `(session) => session.data.role === 'admin'`) or a guard
   * class resolved from the application's providers. Without it every admin
   * request is refused with 403.
   */
  authorize?: AdminAuthorizePredicate | Type<CanActivate>;
}

/** Applies `adminRoutes.authorize` after `TrackedJwtGuard`; refuses when none is configured. */
@Injectable()
export class AdminAccessGuard implements CanActivate {
  private guard?: Promise<CanActivate>;

  constructor(
    @Inject(ADMIN_ROUTES_OPTIONS) private readonly options: AdminRoutesOptions,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const { authorize } = this.options;
    if (!authorize) throw this.deny(ErrorMessages.ADMIN_ACCESS_NOT_CONFIGURED);
    const request = requestOf(context);
    const session = request[VERIFIED_SESSION] as VerifiedToken | undefined;
    const allowed = isGuardClass(authorize)
      ? await settle((await this.resolveGuard(authorize)).canActivate(context))
      : session !== undefined && (await authorize(session, request));
    if (allowed !== true) throw this.deny();
    return true;
  }

  private resolveGuard(type: Type<CanActivate>): Promise<CanActivate> {
    this.guard ??= (async () => {
      try {
        return this.moduleRef.get(type, { strict: false });
      } catch {
        return this.moduleRef.create(type);
      }
    })();
    return this.guard;
  }

  private deny(message?: string): AdminAccessDeniedError {
    return new AdminAccessDeniedError(message);
  }
}

function settle(result: ReturnType<CanActivate['canActivate']>): Promise<boolean> {
  return isObservable(result) ? lastValueFrom(result) : Promise.resolve(result);
}

function isGuardClass(value: AdminRoutesOptions['authorize']): value is Type<CanActivate> {
  return typeof value === 'function' && typeof (value.prototype as Partial<CanActivate> | undefined)?.canActivate === 'function';
}
