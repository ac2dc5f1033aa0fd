import { ExecutionContext } from '@nestjs/common';

/** What the guard reads and writes on a request, whatever transport it came by. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  user?: unknown;
  [key: string | symbol]: unknown;
}

/**
 * Per WebSocket connection: the request-like object the guard verifies and
 * the handler's decorators read. A connection's token comes from its
 * handshake, so every message carries the same one; the guard still
 * verifies it again for each message.
 */
const requestsOfSockets = new WeakMap<object, AuthenticatedRequest>();

/**
 * The request behind an execution context:
 * - HTTP (Express, Fastify): the request itself;
 * - GraphQL: the `req` (or `request`) of the GraphQL context, as drivers
 *   put it there; for a subscription over WebSocket, its connection
 *   parameters (`authorization` or `Authorization`) as headers;
 * - WebSocket gateway: a request-like object per connection whose headers
 *   are the handshake's, with `auth.token` (socket.io's way for browsers,
 *   which cannot set headers on a WebSocket) as a bearer `authorization`
 *   when the handshake has none.
 */
export function requestOf(context: ExecutionContext): AuthenticatedRequest {
  switch (context.getType<string>()) {
    case 'graphql':
      return graphQlRequest(context.getArgByIndex<Record<string, unknown> | undefined>(2) ?? {});
    case 'ws':
    case 'rpc': {
      const client = context.switchToWs().getClient<Record<string, unknown>>() ?? {};
      let request = requestsOfSockets.get(client);
      if (!request) {
        request = socketRequest(client);
        requestsOfSockets.set(client, request);
      }
      return request;
    }
    default:
      return context.switchToHttp().getRequest<AuthenticatedRequest>();
  }
}

function graphQlRequest(graphQlContext: Record<string, unknown>): AuthenticatedRequest {
  const request = (graphQlContext.req ?? graphQlContext.request) as AuthenticatedRequest | undefined;
  if (request?.headers) return request;
  const params = (graphQlContext.connectionParams ?? {}) as Record<string, unknown>;
  const authorization = params.authorization ?? params.Authorization;
  graphQlContext.headers ??= typeof authorization === 'string' ? { authorization } : {};
  return graphQlContext as AuthenticatedRequest;
}

function socketRequest(client: Record<string, unknown> | undefined): AuthenticatedRequest {
  const handshake = (client?.handshake ?? {}) as { headers?: Record<string, string | string[] | undefined>; auth?: Record<string, unknown> };
  const upgrade = (client?.upgradeReq ?? client?.request) as { headers?: Record<string, string | string[] | undefined> } | undefined;
  const headers = { ...(handshake.headers ?? upgrade?.headers ?? {}) };
  const token = handshake.auth?.token;
  if (headers.authorization === undefined && typeof token === 'string') headers.authorization = `Bearer ${token}`;
  return { headers };
}
