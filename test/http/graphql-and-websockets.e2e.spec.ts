import { randomBytes } from 'node:crypto';
import { INestApplication, Module, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ApolloDriver, ApolloDriverConfig } from '@nestjs/apollo';
import { Field, GraphQLModule, ObjectType, Query, Resolver, Subscription } from '@nestjs/graphql';
import { ConnectedSocket, MessageBody, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { createClient } from 'graphql-ws';
import { io, Socket } from 'socket.io-client';
import WebSocket from 'ws';
import {
  CurrentSession,
  Public,
  TokenTrackingModule,
  TokenTrackingService,
  TrackedJwtGuard,
  VerifiedToken,
} from '../../src/index.js';
import { createTestDatabase, TestDatabase } from '../support/test-database.js';

@ObjectType()
class Me {
  @Field()
  userId!: string;

  @Field()
  sessionId!: string;
}

@Resolver()
class MeResolver {
  @UseGuards(TrackedJwtGuard)
  @Query(() => Me)
  me(@CurrentSession() session: VerifiedToken): Me {
    return { userId: session.userId, sessionId: session.sessionId };
  }

  @Public()
  @Query(() => String)
  ping(): string {
    return 'pong';
  }
}

@Resolver()
class TickResolver {
  @UseGuards(TrackedJwtGuard)
  @Subscription(() => String)
  async *tick(): AsyncGenerator<{ tick: string }> {
    yield { tick: 'tock' };
  }
}

@WebSocketGateway()
class MeGateway {
  @UseGuards(TrackedJwtGuard)
  @SubscribeMessage('whoami')
  whoami(@CurrentSession() session: VerifiedToken, @MessageBody() body: unknown, @ConnectedSocket() _socket: unknown) {
    return { userId: session.userId, echo: body };
  }
}

/** The guard and @CurrentSession() on GraphQL resolvers (Apollo) and WebSocket gateways (socket.io). */
describe('TrackedJwtGuard beyond plain HTTP routes', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let url: string;
  let tokens: TokenTrackingService;

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({
      imports: [
        TokenTrackingModule.forRoot({ prisma: db.prisma, signing: { secret: randomBytes(32) }, issuer: 'i', audience: 'a', purge: false }),
        GraphQLModule.forRoot<ApolloDriverConfig>({
          driver: ApolloDriver,
          autoSchemaFile: true,
          // Over graphql-ws, two ways applications give operations a request, each one object for all
          // the operations of a connection: the upgrade request, or the connection's `extra` given the
          // headers of `connectionParams` on connect.
          subscriptions: {
            'graphql-ws': {
              onConnect: (connection: { connectionParams?: Record<string, unknown>; extra: unknown }) => {
                const { authorization, into } = connection.connectionParams ?? {};
                const extra = connection.extra as { headers?: unknown; request: { headers: unknown } };
                // Or the upgrade request's own headers, replaced by those of connectionParams.
                if (authorization && into === 'upgrade-request') extra.request.headers = { authorization };
                else if (authorization) extra.headers = { authorization };
              },
            },
          },
          context: ({ req, extra }: { req?: unknown; extra?: { request: unknown; headers?: unknown } }) => ({ req: req ?? (extra?.headers ? extra : extra?.request) }),
        }),
      ],
      providers: [MeResolver, TickResolver, MeGateway],
    })
    class TransportsModule {}
    app = await NestFactory.create(TransportsModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    tokens = app.get(TokenTrackingService);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const graphql = async (query: string, token?: string) => {
    const response = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return (await response.json()) as { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> };
  };

  it('guards a GraphQL query: the session with a valid token, a coded 401 error without one or once revoked', async () => {
    const { token, sessionId } = await tokens.generateToken('graphql-user');
    expect(await graphql('{ me { userId sessionId } }', token)).toEqual({ data: { me: { userId: 'graphql-user', sessionId } } });
    expect(await graphql('{ ping }')).toEqual({ data: { ping: 'pong' } });

    const missing = await graphql('{ me { userId } }');
    expect(missing.data).toBeNull();
    expect(missing.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', originalError: { code: 'TOKEN_MISSING', statusCode: 401 } });
    await tokens.revokeToken(token);
    const revoked = await graphql('{ me { userId } }', token);
    expect(revoked.errors?.[0]?.extensions).toMatchObject({ originalError: { code: 'TOKEN_REVOKED', statusCode: 401 } });
  });

  describe.each([
    ['in the upgrade request\'s headers', 'headers'],
    ['in connectionParams, kept on the connection', 'connectionParams'],
    ['in connectionParams, made the upgrade request\'s headers', 'upgrade-request'],
  ])('over graphql-ws, with the token %s', (_how, where) => {
    it('verifies each operation of a connection: one started after the token is revoked is refused', async () => {
      const { token } = await tokens.generateToken('subscriber');
      const authorization = `Bearer ${token}`;
      // A server-side client can put the token in the upgrade request's headers; a browser cannot.
      class AuthorizedWebSocket extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, where === 'headers' ? { headers: { authorization } } : {});
        }
      }
      const client = createClient({
        url: `${url.replace('http', 'ws')}/graphql`,
        webSocketImpl: AuthorizedWebSocket,
        connectionParams: where === 'headers' ? {} : { authorization, into: where },
        retryAttempts: 0,
        lazy: false,
      });
      const run = async (query: string) => {
        const results: unknown[] = [];
        try {
          for await (const result of client.iterate({ query })) results.push(result);
        } catch (error) {
          results.push({ thrown: error });
        }
        return results;
      };
      try {
        expect(await run('subscription { tick }')).toEqual([{ data: { tick: 'tock' } }]);
        expect(await run('{ me { userId } }')).toEqual([{ data: { me: { userId: 'subscriber' } } }]);
        await tokens.revokeToken(token);
        // graphql-ws sends the error's message, without Apollo's extensions.
        expect(await run('subscription { tick }')).toEqual([{ errors: [expect.objectContaining({ message: 'token is already revoked', path: ['tick'] })] }]);
        expect(await run('{ me { userId } }')).toEqual([expect.objectContaining({ data: null, errors: [expect.objectContaining({ message: 'token is already revoked' })] })]);
      } finally {
        const closed = new Promise((resolve) => client.on('closed', resolve));
        await client.dispose();
        await closed;
      }
    });
  });

  it('guards every WebSocket message: answered while valid, refused with the same body once revoked', async () => {
    const { token } = await tokens.generateToken('socket-user');
    const socket: Socket = io(url, { auth: { token }, transports: ['websocket'], forceNew: true });
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      const first = await socket.timeout(5_000).emitWithAck('whoami', { n: 1 });
      expect(first).toEqual({ userId: 'socket-user', echo: { n: 1 } });
      await tokens.revokeToken(token);
      const refused = new Promise((resolve) => socket.once('exception', resolve));
      socket.emit('whoami', { n: 2 });
      expect(await refused).toEqual({ statusCode: 401, code: 'TOKEN_REVOKED', message: 'token is already revoked', error: 'Unauthorized' });
    } finally {
      socket.disconnect();
    }
  });

  it('refuses a WebSocket message on a connection that brought no token', async () => {
    const socket: Socket = io(url, { transports: ['websocket'], forceNew: true });
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('connect_error', reject));
      const refused = new Promise((resolve) => socket.once('exception', resolve));
      socket.emit('whoami', {});
      expect(await refused).toMatchObject({ statusCode: 401, code: 'TOKEN_MISSING' });
    } finally {
      socket.disconnect();
    }
  });
});
