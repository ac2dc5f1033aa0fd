import { CanActivate, ExecutionContext, Inject, Injectable, SetMetadata, Type } from '@nestjs/common';
import { ModuleRef, Reflector } from '@nestjs/core';
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

const PROBE_ONLY = 'token-tracking:admin-access-probe';
/** Where a probing route finds the verdict. */
export const ADMIN_ACCESS_VERDICT = Symbol.for('nestjs-token-tracking:admin-access-verdict');

/**
 * On a route: run the admin check without refusing, and leave its verdict on
 * the request (so a page can ask "may I?" without provoking a 403).
 */
export const ProbeAdminAccess = (): MethodDecorator => SetMetadata(PROBE_ONLY, true);

/** Applies `adminRoutes.authorize` after `TrackedJwtGuard`; refuses when none is configured. */
@Injectable()
export class AdminAccessGuard implements CanActivate {
  private guard?: Promise<CanActivate>;

  constructor(
    @Inject(ADMIN_ROUTES_OPTIONS) private readonly options: AdminRoutesOptions,
    @Inject(ModuleRef) private readonly moduleRef: ModuleRef,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = requestOf(context);
    if (this.reflector.get<boolean>(PROBE_ONLY, context.getHandler())) {
      request[ADMIN_ACCESS_VERDICT] = await this.isAllowed(context).catch(() => false);
      return true;
    }
    if (!this.options.authorize) throw this.deny(ErrorMessages.ADMIN_ACCESS_NOT_CONFIGURED);
    if (!(await this.isAllowed(context))) throw this.deny();
    return true;
  }

  private async isAllowed(context: ExecutionContext): Promise<boolean> {
    const { authorize } = this.options;
    if (!authorize) return false;
    const request = requestOf(context);
    const session = request[VERIFIED_SESSION] as VerifiedToken | undefined;
    const allowed = isGuardClass(authorize)
      ? await settle((await this.resolveGuard(authorize)).canActivate(context))
      : session !== undefined && (await authorize(session, request));
    return allowed === true;
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
