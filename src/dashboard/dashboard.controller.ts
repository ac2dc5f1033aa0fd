import { Controller, Get, Header, HttpException, Inject, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { Public } from '../http/public.decorator.js';
import { setResponseHeader } from '../http/www-authenticate.js';
import { DASHBOARD_OPTIONS } from '../internal.constants.js';
import { DASHBOARD_ASSETS } from './dashboard-assets.generated.js';

export interface DashboardOptions {
  /** Route of the page. Default `sessions-dashboard`. */
  path?: string;
  /**
   * @deprecated The page no longer keeps a token in `sessionStorage` (nor
   * takes one from its URL): it signs in with the browser-session cookie,
   * or holds a pasted token in memory. It deletes what earlier versions
   * stored under this key. Default `token-tracking:access-token`.
   */
  tokenStorageKey?: string;
}

/** What the page is told: where it is mounted and where the JSON routes are. */
export interface DashboardConfig {
  readonly dashboardPath: string;
  readonly sessionsPath: string;
  readonly adminPath: string | null;
  /** Deleted from `sessionStorage` on load: where earlier versions kept a token. */
  readonly tokenStorageKey: string;
  /** The cookie routes, relative to the application's root, when `browserSessions` is on. */
  readonly browserSessions: {
    readonly refreshPath: string;
    readonly logoutPath: string;
    readonly csrfHeader: string;
    readonly loginUrl: string | null;
  } | null;
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
 * routes with a bearer token held in the page's memory — obtained from the
 * browser-session cookie's refresh route when `browserSessions` is on,
 * pasted otherwise; never from a URL. The JSON routes take no cookie, so
 * nothing there can be forged across sites. The page itself is public;
 * everything it shows comes from the guarded routes.
 */
@Public()
@Controller()
export class DashboardController {
  /** The last segment of the page's route: its assets are under it, relative to the page. */
  private readonly pageName: string;
  private readonly pageBody: string;

  constructor(@Inject(DASHBOARD_OPTIONS) config: DashboardConfig) {
    this.pageName = config.dashboardPath.split('/').pop() ?? '';
    this.pageBody = DASHBOARD_ASSETS['index.html']!.body
      .replace('%CONFIG%', escapeAttribute(JSON.stringify(config)))
      .replaceAll('%ASSETS%', escapeAttribute(this.pageName === '' ? '' : `${encodeURIComponent(this.pageName)}/`));
  }

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  page(@Req() request: { originalUrl?: string; url?: string }, @Res({ passthrough: true }) response: unknown): string {
    this.secure(response, 'no-store');
    // The page links its assets and the API relative to its own address, so
    // that it works under any global prefix and behind a proxy that strips
    // one (whatever X-Forwarded-Prefix says, or not): the browser knows the
    // public path, the server may not. Its address is the route itself,
    // without a trailing slash (Fastify routes none by default); a trailing
    // slash is sent back there, relatively for the same reason.
    const [path, query] = splitOnce(request.originalUrl ?? request.url ?? '/', '?');
    if (path.length > 1 && path.endsWith('/')) {
      setResponseHeader(response, 'Location', `../${this.pageName}${query === null ? '' : `?${query}`}`);
      setResponseHeader(response, 'Content-Type', 'application/json; charset=utf-8');
      // Thrown: a returned value would be sent with the route's 200.
      throw new HttpException({ statusCode: 308, message: 'the dashboard is at this address without a trailing slash' }, 308);
    }
    return this.pageBody;
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

function splitOnce(text: string, separator: string): [string, string | null] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, null] : [text.slice(0, at), text.slice(at + 1)];
}

function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}
