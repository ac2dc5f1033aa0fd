import { createServer, IncomingHttpHeaders, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';

/** A server of this test, with its origin, stopped by the test. */
export interface LoopbackServer {
  readonly origin: string;
  close(): Promise<void>;
}

function listen(server: Server, host: string, name: string): Promise<LoopbackServer> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        origin: `http://${name}:${port}`,
        close: () => new Promise<void>((done) => {
          server.closeAllConnections();
          server.close(() => done());
        }),
      });
    });
  });
}

/** Another site on loopback (127.0.0.2: a different site from `localhost` for the browser) serving one page. */
export function startOtherSite(page: string): Promise<LoopbackServer> {
  const server = createServer((_, response) => {
    response.setHeader('Content-Type', 'text/html; charset=utf-8');
    response.end(page);
  });
  return listen(server, '127.0.0.2', '127.0.0.2');
}

/**
 * A reverse proxy that publishes the application under `prefix` and strips
 * it, as many ingress controllers do, telling the application with
 * `X-Forwarded-Prefix`.
 */
export function startPrefixStrippingProxy(target: string, prefix: string): Promise<LoopbackServer> {
  const upstream = new URL(target);
  const server = createServer((incoming, outgoing) => {
    const url = incoming.url ?? '/';
    if (url !== prefix && !url.startsWith(`${prefix}/`) && !url.startsWith(`${prefix}?`)) {
      outgoing.statusCode = 404;
      outgoing.end('not behind this proxy');
      return;
    }
    const forwarded = httpRequest({
      host: upstream.hostname,
      port: upstream.port,
      method: incoming.method,
      path: url.slice(prefix.length) || '/',
      headers: { ...incoming.headers, 'x-forwarded-prefix': prefix },
    }, (answer) => {
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    forwarded.on('error', () => {
      outgoing.statusCode = 502;
      outgoing.end();
    });
    incoming.pipe(forwarded);
  });
  return listen(server, '127.0.0.1', 'localhost');
}

export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: any;
}

/**
 * A request exactly as given, with no header added (fetch adds
 * `Sec-Fetch-Mode`): what an old browser without Fetch Metadata, or a
 * script outside any browser, sends.
 */
export function rawRequest(url: string, method: string, headers: Record<string, string>, body?: string): Promise<RawAnswer> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    // localhost may resolve to ::1 first; the application listens on 127.0.0.1. The Host header keeps the name.
    const host = target.hostname === 'localhost' ? '127.0.0.1' : target.hostname;
    const sent = httpRequest({ host, port: target.port, path: `${target.pathname}${target.search}`, method, headers: { host: target.host, ...headers } }, (answer) => {
      let text = '';
      answer.setEncoding('utf8');
      answer.on('data', (chunk: string) => { text += chunk; });
      answer.on('end', () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: text ? JSON.parse(text) : undefined }));
    });
    sent.on('error', reject);
    sent.end(body);
  });
}
