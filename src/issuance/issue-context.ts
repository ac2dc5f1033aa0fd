import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors/invalid-argument.error.js';
import { describe } from '../validation/argument-checks.js';
import { isStorableText, toStorableText } from '../validation/storable-text.js';

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
  const candidate: unknown = request.ip ?? request.socket?.remoteAddress ?? null;
  const address = typeof candidate === 'string' ? candidate : null;
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
 * caller's mistake and refused; what a request carries (an address that
 * cannot be stored, a User-Agent with bytes that cannot) is not worth
 * failing a login over: the address is recorded as unknown, the User-Agent
 * with those characters replaced.
 */
export function normalizeIssueContext(source: unknown): NormalizedIssueContext {
  if (source === undefined || source === null) return { clientIp: null, userAgent: null };
  if (typeof source !== 'object') {
    throw new InvalidArgumentError(`context must be the request or { clientIp, userAgent } (got ${describe(source)})`);
  }
  const fromRequest = 'headers' in source && typeof (source as RequestLike).headers === 'object' && (source as RequestLike).headers !== null;
  const context = fromRequest ? issueContextFromRequest(source as RequestLike) : (source as TokenIssueContext);
  let clientIp = context.clientIp ?? null;
  if (clientIp !== null && (typeof clientIp !== 'string' || isIP(clientIp) === 0 || clientIp.length > MAX_IP_LENGTH)) {
    if (!fromRequest) {
      throw new InvalidArgumentError(`context.clientIp must be an IPv4 or IPv6 address (got ${describe(clientIp)})`);
    }
    clientIp = null;
  }
  let userAgent = context.userAgent ?? null;
  if (userAgent !== null && typeof userAgent !== 'string') {
    if (!fromRequest) throw new InvalidArgumentError(`context.userAgent must be a string (got ${describe(userAgent)})`);
    userAgent = null;
  }
  if (userAgent !== null && !isStorableText(userAgent)) {
    if (!fromRequest) {
      throw new InvalidArgumentError('context.userAgent must not contain U+0000 or unpaired surrogates');
    }
    userAgent = toStorableText(userAgent);
  }
  return { clientIp, userAgent: userAgent === null || userAgent === '' ? null : truncate(userAgent, MAX_USER_AGENT_LENGTH) };
}

/** The first `length` UTF-16 units, without cutting a surrogate pair in half. */
function truncate(value: string, length: number): string {
  if (value.length <= length) return value;
  const cut = value.slice(0, length);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
