import { isIP } from 'node:net';
import { InvalidArgumentError } from './errors/invalid-argument.error.js';

/** Where a token is being issued to; recorded with the session. */
export interface TokenIssueContext {
  /** The client's IP address (IPv4 or IPv6). */
  clientIp?: string | null;
  /** The client's User-Agent header; kept to its first 512 characters. */
  userAgent?: string | null;
}

/**
 * The parts of an incoming HTTP request (Express or Fastify) the library reads.
 * `ip` is what the framework computed, honouring its `trust proxy` setting,
 * so a client cannot spoof it with X-Forwarded-For unless the app trusts it.
 */
export interface RequestLike {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly ip?: string;
  readonly socket?: { readonly remoteAddress?: string };
}

/** Explicit values, or a request to read them from. */
export type IssueContextSource = TokenIssueContext | RequestLike;

export const MAX_USER_AGENT_LENGTH = 512;
/** The longest textual IP address (IPv4-mapped IPv6), the width of the column. */
const MAX_IP_LENGTH = 45;

/** Client IP and User-Agent of a request, as a `TokenIssueContext`. */
export function issueContextFromRequest(request: RequestLike): TokenIssueContext {
  const address = request.ip ?? request.socket?.remoteAddress ?? null;
  const userAgent = request.headers['user-agent'];
  return {
    // Express reports IPv4 clients of a dual-stack server as ::ffff:a.b.c.d.
    clientIp: address?.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address,
    userAgent: Array.isArray(userAgent) ? userAgent[0] : userAgent,
  };
}

export interface NormalizedIssueContext {
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}

/**
 * Checks and trims the context. Explicit values that are wrong are the
 * caller's mistake and refused; an address read from a request that cannot
 * be stored (a scoped IPv6 address, say) is not worth failing a login over
 * and is recorded as unknown.
 */
export function normalizeIssueContext(source: IssueContextSource | undefined): NormalizedIssueContext {
  const fromRequest = source !== undefined && 'headers' in source;
  const context = fromRequest ? issueContextFromRequest(source) : source;
  let clientIp = context?.clientIp ?? null;
  if (clientIp !== null && (typeof clientIp !== 'string' || isIP(clientIp) === 0 || clientIp.length > MAX_IP_LENGTH)) {
    if (!fromRequest) {
      throw new InvalidArgumentError(`context.clientIp must be an IPv4 or IPv6 address (got ${JSON.stringify(clientIp)})`);
    }
    clientIp = null;
  }
  const userAgent = context?.userAgent ?? null;
  if (userAgent !== null && typeof userAgent !== 'string') {
    throw new InvalidArgumentError('context.userAgent must be a string');
  }
  return {
    clientIp,
    userAgent: userAgent === null || userAgent === '' ? null : userAgent.slice(0, MAX_USER_AGENT_LENGTH),
  };
}
