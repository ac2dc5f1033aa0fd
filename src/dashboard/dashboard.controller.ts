import { Controller, Get, Header, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { Public } from '../http/public.decorator.js';
import { setResponseHeader } from '../http/www-authenticate.js';
import { DASHBOARD_OPTIONS } from '../internal.constants.js';
import { DASHBOARD_ASSETS } from './dashboard-assets.generated.js';

export interface DashboardOptions {
  /** Route of the page. Default `sessions-dashboard`. */
  path?: string;
  /**
   * Where the page finds the signed-in user's access token in
   * `sessionStorage` (besides a `#token=` fragment, which it moves there).
   * Default `token-tracking:access-token`.
   */
  tokenStorageKey?: string;
}

/** What the page is told: where it is mounted and where the JSON routes are. */
export interface DashboardConfig {
  readonly dashboardPath: string;
  readonly sessionsPath: string;
  readonly adminPath: string | null;
  readonly tokenStorageKey: string;
}

/**
 * No script in the page itself, scripts and styles only from this origin,
 * requests only to this origin, no framing, no forms: what the page renders
 * (User-Agents, IPs) is attacker-controlled, and it is rendered as text.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'self'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const ASSETS = new Set(Object.keys(DASHBOARD_ASSETS).filter((name) => name !== 'index.html'));

/**
 * Serves the sessions dashboard: static assets shipped in the package (no
 * build step for applications), which call the session and admin JSON
 * routes with the user's bearer token — no cookie, so nothing to forge
 * across sites. The page itself is public; everything it shows comes from
 * the guarded routes.
 */
@Public()
@Controller()
export class DashboardController {
  private readonly configAttribute: string;

  constructor(@Inject(DASHBOARD_OPTIONS) config: DashboardConfig) {
    this.configAttribute = escapeAttribute(JSON.stringify(config));
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(@Req() request: { originalUrl?: string; url?: string }, @Res({ passthrough: true }) response: unknown): string {
    this.secure(response, 'no-store');
    // Assets are relative to the page, wherever the application's global prefix put it.
    const path = (request.originalUrl ?? request.url ?? '/').split('?')[0]!;
    const base = path.endsWith('/') ? path : `${path}/`;
    return DASHBOARD_ASSETS['index.html']!.body
      .replace('%BASE_HREF%', escapeAttribute(base))
      .replace('%CONFIG%', this.configAttribute);
  }

  @Get(':asset')
  asset(@Param('asset') name: string, @Res({ passthrough: true }) response: unknown): string {
    const asset = ASSETS.has(name) ? DASHBOARD_ASSETS[name] : undefined;
    if (!asset) throw new NotFoundException();
    this.secure(response, 'no-cache');
    setResponseHeader(response, 'Content-Type', asset.type);
    return asset.body;
  }

  private secure(response: unknown, cacheControl: string): void {
    setResponseHeader(response, 'Content-Security-Policy', CONTENT_SECURITY_POLICY);
    setResponseHeader(response, 'X-Content-Type-Options', 'nosniff');
    setResponseHeader(response, 'Referrer-Policy', 'no-referrer');
    setResponseHeader(response, 'Cache-Control', cacheControl);
  }
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
