import { ConfigurableModuleBuilder, Controller, DynamicModule, Type } from '@nestjs/common';
import { AdminAccessGuard, AdminRoutesOptions } from './http/admin-access.guard.js';
import { AdminSessionsController } from './http/admin-sessions.controller.js';
import { SessionsController } from './http/sessions.controller.js';
import { DashboardConfig, DashboardController, DashboardOptions } from './dashboard/dashboard.controller.js';
import { TokenTrackingConfigurationError } from './errors/configuration.error.js';
import { ADMIN_ROUTES_OPTIONS, BROWSER_SESSIONS_OPTIONS, DASHBOARD_OPTIONS, JWKS_ROUTE_OPTIONS } from './internal.constants.js';
import { JwksController, JwksRouteOptions } from './keys/jwks.controller.js';
import { checkModuleExtras } from './options/module-extras-checks.js';
import { BrowserSessionsOptions, TokenTrackingModuleOptions } from './options/token-tracking-options.interface.js';
import { BrowserSessionsController } from './browser-sessions/browser-sessions.controller.js';
import { BrowserSessionService } from './browser-sessions/browser-session.service.js';
import { SameOriginGuard } from './browser-sessions/same-origin.guard.js';
import { resolveBrowserSessions } from './options/resolved-browser-sessions.js';

export interface SessionRoutesOptions {
  /** Route prefix. Default `auth/sessions`. */
  path?: string;
}

/**
 * Module-shape options: given to `forRoot` with the others, or to
 * `forRootAsync` next to `useFactory` (not in what it returns): routes are
 * fixed when the module is defined.
 */
export interface TokenTrackingModuleExtras {
  /** Make `TokenTrackingService` injectable everywhere. Default false. */
  isGlobal?: boolean;
  /** Mount the self-service session routes (`true` for the default path). Default off. */
  sessionRoutes?: boolean | SessionRoutesOptions;
  /** Mount the admin session routes (`true` for the default path). Default off. */
  adminRoutes?: boolean | AdminRoutesOptions;
  /** Publish the public keys as a JWKS (`true` for `/.well-known/jwks.json`). Default off. */
  jwksRoute?: boolean | JwksRouteOptions;
  /**
   * Serve the sessions dashboard page (`true` for `/sessions-dashboard`):
   * "my devices" for every signed-in user, and the admin view for requests
   * `adminRoutes.authorize` accepts. Needs `sessionRoutes`. Default off.
   */
  dashboard?: boolean | DashboardOptions;
  /**
   * Browser sessions: the refresh token in an HttpOnly cookie, routes that
   * refresh and sign out with it (`true` for the defaults), and
   * `BrowserSessionService` for the application's login route; the
   * dashboard then signs in with that cookie. Default off (bearer only).
   * See docs/browser-sessions.md.
   */
  browserSessions?: boolean | BrowserSessionsOptions;
}

export const DEFAULT_SESSION_ROUTES_PATH = 'auth/sessions';
export const DEFAULT_ADMIN_ROUTES_PATH = 'admin/sessions';
export const DEFAULT_JWKS_PATH = '.well-known/jwks.json';
export const DEFAULT_DASHBOARD_PATH = 'sessions-dashboard';

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: TOKEN_TRACKING_MODULE_OPTIONS,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<TokenTrackingModuleOptions>()
  .setClassMethodName('forRoot')
  .setExtras<TokenTrackingModuleExtras>({ isGlobal: false, sessionRoutes: false, adminRoutes: false, jwksRoute: false, dashboard: false, browserSessions: false }, withExtras)
  .build();

function withExtras(definition: DynamicModule, extras: TokenTrackingModuleExtras): DynamicModule {
  checkModuleExtras(extras);
  const controllers: Type[] = [...(definition.controllers ?? [])];
  const providers = [...(definition.providers ?? [])];
  // Not named `exports`: the CommonJS build would shadow the module's own `exports` (its constants) with it.
  const exported = [...(definition.exports ?? [])];
  const browserSessions = resolveBrowserSessions(extras.browserSessions);
  if (browserSessions) {
    controllers.push(mountedAt(BrowserSessionsController, browserSessions.routesPath));
    providers.push({ provide: BROWSER_SESSIONS_OPTIONS, useValue: browserSessions }, BrowserSessionService, SameOriginGuard);
    exported.push(BrowserSessionService, SameOriginGuard);
  }
  if (extras.sessionRoutes) {
    const options = extras.sessionRoutes === true ? {} : extras.sessionRoutes;
    controllers.push(mountedAt(SessionsController, options.path ?? DEFAULT_SESSION_ROUTES_PATH));
  }
  if (extras.adminRoutes) {
    const options = extras.adminRoutes === true ? {} : extras.adminRoutes;
    controllers.push(mountedAt(AdminSessionsController, options.path ?? DEFAULT_ADMIN_ROUTES_PATH));
    providers.push({ provide: ADMIN_ROUTES_OPTIONS, useValue: options }, AdminAccessGuard);
  }
  if (extras.dashboard) {
    const options = extras.dashboard === true ? {} : extras.dashboard;
    if (!extras.sessionRoutes) {
      throw new TokenTrackingConfigurationError('dashboard needs sessionRoutes: the page shows and revokes sessions through them');
    }
    const sessionsPath = extras.sessionRoutes === true ? DEFAULT_SESSION_ROUTES_PATH : extras.sessionRoutes.path ?? DEFAULT_SESSION_ROUTES_PATH;
    const adminPath = !extras.adminRoutes ? null : extras.adminRoutes === true ? DEFAULT_ADMIN_ROUTES_PATH : extras.adminRoutes.path ?? DEFAULT_ADMIN_ROUTES_PATH;
    const dashboardPath = options.path ?? DEFAULT_DASHBOARD_PATH;
    const config: DashboardConfig = {
      dashboardPath: trimSlashes(dashboardPath),
      sessionsPath: trimSlashes(sessionsPath),
      adminPath: adminPath === null ? null : trimSlashes(adminPath),
      tokenStorageKey: options.tokenStorageKey ?? 'token-tracking:access-token',
      browserSessions: browserSessions && {
        refreshPath: `${browserSessions.routesPath}/refresh`,
        logoutPath: `${browserSessions.routesPath}/logout`,
        csrfHeader: browserSessions.csrf.header,
        loginUrl: browserSessions.loginUrl,
      },
    };
    controllers.push(mountedAt(DashboardController, dashboardPath));
    providers.push({ provide: DASHBOARD_OPTIONS, useValue: config });
  }
  if (extras.jwksRoute) {
    const options = extras.jwksRoute === true ? {} : extras.jwksRoute;
    controllers.push(mountedAt(JwksController, options.path ?? DEFAULT_JWKS_PATH));
    providers.push({ provide: JWKS_ROUTE_OPTIONS, useValue: options });
  }
  return { ...definition, global: extras.isGlobal, controllers, providers, exports: exported };
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

/** The controller under a path chosen by the application (decorators need it at definition time). */
function mountedAt<T extends Type>(controller: T, path: string): T {
  @Controller(path)
  class MountedController extends controller {}
  Object.defineProperty(MountedController, 'name', { value: controller.name });
  return MountedController;
}
