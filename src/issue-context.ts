import { isIP } from 'node:net';
import { InvalidArgumentError } from './errors/invalid-argument.error.js';

/** Where a token is being issued to; recorded with the session. */
export interface TokenIssueContext {
  /** The client's IP address (IPv4 or IPv6). */
  clientIp?: string | null;
  /** The client's User-Agent header; kept to its first 512 characters. */
  userAgent?: string | null;
}

export const MAX_USER_AGENT_LENGTH = 512;

export interface NormalizedIssueContext {
  readonly clientIp: string | null;
  readonly userAgent: string | null;
}

export function normalizeIssueContext(context: TokenIssueContext | undefined): NormalizedIssueContext {
  const clientIp = context?.clientIp ?? null;
  if (clientIp !== null && (typeof clientIp !== 'string' || isIP(clientIp) === 0)) {
    throw new InvalidArgumentError(`context.clientIp must be an IPv4 or IPv6 address (got ${JSON.stringify(clientIp)})`);
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
