import { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { createExampleApp, ExampleAppSettings } from '../../examples/app/example-app.js';
import { createTestDatabase, TestDatabase } from './test-database.js';

export interface JsonResponse {
  status: number;
  body: any;
  headers: Headers;
}

/** The example application listening on a random loopback port, with a small HTTP client. */
export interface RunningApp {
  readonly app: INestApplication;
  readonly baseUrl: string;
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<JsonResponse>;
  /** Logs in a demo account and returns the bearer token (fails the test otherwise). */
  login(username: 'alice' | 'bob' | 'admin', headers?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

export async function startExampleApp(settings: ExampleAppSettings): Promise<RunningApp> {
  const app = await createExampleApp({ logger: false, ...settings });
  await app.listen(0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const request: RunningApp['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
  };
  return {
    app,
    baseUrl,
    request,
    login: async (username, headers) => {
      const response = await request('POST', '/auth/login', { body: { username, password: `${username}-password` }, headers });
      if (response.status !== 200) throw new Error(`login of ${username} answered ${response.status}: ${JSON.stringify(response.body)}`);
      return response.body.accessToken as string;
    },
    close: async () => {
      // A browser's keep-alive connections would hold the server open until
      // they time out: closed as soon as each is idle (in-flight requests finish).
      const server = app.getHttpServer() as Server;
      const closing = app.close();
      const closeIdle = setInterval(() => server.closeIdleConnections(), 100);
      try {
        await closing;
      } finally {
        clearInterval(closeIdle);
      }
    },
  };
}

/**
 * For the enclosing `describe`: a database of its own and the example
 * application on it, listening, started before the tests and closed after.
 */
export function useExampleApp(settings: Omit<ExampleAppSettings, 'prisma'> = {}): { readonly db: TestDatabase; readonly running: RunningApp } {
  const fixture = {} as { db: TestDatabase; running: RunningApp };
  beforeAll(async () => {
    fixture.db = await createTestDatabase();
    fixture.running = await startExampleApp({ ...settings, prisma: fixture.db.prisma });
  });
  // Closing the application and dropping its database can take a while on a loaded machine.
  afterAll(async () => {
    await fixture.running?.close();
    await fixture.db?.dispose();
  }, 120_000);
  return fixture;
}
