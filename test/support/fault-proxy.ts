import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A TCP proxy in front of a PostgreSQL server that a test can break on
 * demand, whatever server the suite runs against:
 * - `reset()`: every open connection is reset and new ones are refused (the
 *   server went away);
 * - `blackhole()`: connections stay open but nothing gets through (a network
 *   partition with no reset);
 * - `restore()`: traffic flows again.
 */
export class FaultProxy {
  private mode: 'pass' | 'reset' | 'blackhole' = 'pass';
  private readonly pairs = new Set<[Socket, Socket | null]>();

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  static async start(targetUrl: string): Promise<FaultProxy> {
    const target = new URL(targetUrl);
    const server = createServer();
    const proxy = new FaultProxy(server, target);
    server.on('connection', (client) => proxy.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  /** The target's URL with the proxy's host and port. */
  get url(): string {
    const url = new URL(this.target);
    const address = this.server.address() as { port: number };
    url.hostname = '127.0.0.1';
    url.port = String(address.port);
    return url.toString();
  }

  /** `url` naming another database on the same server. */
  urlFor(database: string): string {
    const url = new URL(this.url);
    url.pathname = `/${database}`;
    return url.toString();
  }

  reset(): void {
    this.mode = 'reset';
    for (const [client, upstream] of this.pairs) {
      client.resetAndDestroy();
      upstream?.resetAndDestroy();
    }
    this.pairs.clear();
  }

  blackhole(): void {
    this.mode = 'blackhole';
  }

  restore(): void {
    this.mode = 'pass';
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(client: Socket): void {
    client.on('error', () => undefined);
    if (this.mode === 'reset') {
      client.resetAndDestroy();
      return;
    }
    const upstream = createConnection({ host: this.target.hostname, port: Number(this.target.port || 5432) });
    upstream.on('error', () => client.destroy());
    const pair: [Socket, Socket | null] = [client, upstream];
    this.pairs.add(pair);
    const forget = () => this.pairs.delete(pair);
    client.on('close', () => {
      forget();
      upstream.destroy();
    });
    upstream.on('close', () => {
      forget();
      client.destroy();
    });
    client.on('data', (chunk) => {
      if (this.mode === 'pass') upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (this.mode === 'pass') client.write(chunk);
    });
  }
}
