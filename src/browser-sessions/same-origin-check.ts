import { CrossSiteRequestRefusedError } from '../errors/cross-site-request-refused.error.js';
import { ResolvedBrowserSessions } from '../options/resolved-browser-sessions.js';

/** What the check reads of an Express request or a Fastify request. */
export interface OriginCheckedRequest {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** `http` or `https`, as the framework computed it (honouring `trust proxy`). */
  readonly protocol?: string;
  /** Host and port, as the framework computed it (Express 5, Fastify 5). */
  readonly host?: string;
}

/**
 * Refuses a request that does not prove it comes from the application's own
 * pages, in OWASP's terms a defence in depth of three layers, each enough
 * against a browser that implements it:
 *
 * 1. Fetch Metadata: `Sec-Fetch-Site` must be `same-origin`, or name a
 *    request from a listed origin (`same-site`/`cross-site` with an
 *    `Origin` of `csrf.allowedOrigins`; the application's own origin is
 *    not enough there, as the browser says the request is not from it).
 *    `none` (typed in the address bar, a bookmark) never reaches a cookie
 *    route.
 * 2. Standard headers: an `Origin`, when sent, must be the application's
 *    own (scheme, host and port of this request) or an allowed one.
 * 3. A custom request header (`csrf.header`), always required: a page on
 *    another origin cannot add it without a CORS preflight these routes
 *    never grant, and an HTML form cannot add it at all. This is what holds
 *    for a browser that sends neither of the headers above.
 *
 * `SameSite` on the cookie is a fourth layer, outside this check; it does
 * not separate sibling subdomains (same site, different origins), which
 * the three layers above do.
 */
export function refuseCrossOriginRequest(request: OriginCheckedRequest, settings: ResolvedBrowserSessions['csrf']): void {
  const header = single(request.headers[settings.header]);
  if (header === undefined || header === '') {
    throw new CrossSiteRequestRefusedError(`this route is authenticated by a cookie: send the ${settings.header} header (any value) from the application's own page`);
  }
  const origin = single(request.headers.origin);
  const listed = origin !== undefined && settings.allowedOrigins.includes(origin);
  const allowed = listed || (origin !== undefined && origin === ownOrigin(request));
  const fetchSite = single(request.headers['sec-fetch-site']);
  // Another origin's request is served only from a listed origin. The browser computed Sec-Fetch-Site itself:
  // this application's own Origin with `cross-site` is a contradiction (a forged Origin, or a proxy's mistake), never a pass.
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && !(listed && (fetchSite === 'same-site' || fetchSite === 'cross-site'))) {
    // The header's value stays out of the answer: it is the client's text, not a diagnosis.
    throw new CrossSiteRequestRefusedError('a request from another origin cannot use this route (Sec-Fetch-Site); only the application\'s own pages can');
  }
  if (origin !== undefined && !allowed) {
    throw new CrossSiteRequestRefusedError('a request from another origin cannot use this route (Origin); list the origin in browserSessions.csrf.allowedOrigins if it is the application\'s');
  }
}

/** `https://host:port` of this request, as the framework sees it; `null` when it cannot tell. */
function ownOrigin(request: OriginCheckedRequest): string | null {
  const host = typeof request.host === 'string' && request.host !== '' ? request.host : single(request.headers.host);
  if (host === undefined) return null;
  const protocol = request.protocol === 'https' ? 'https' : 'http';
  try {
    return new URL(`${protocol}://${host}`).origin;
  } catch {
    return null;
  }
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : '') : value;
}
