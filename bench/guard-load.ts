import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { TokenPopulation } from './token-population.js';

/** Concurrent connections of every guard measurement. */
export const CONNECTIONS = 50;

export interface LoadOutcome {
  result: autocannon.Result;
  /** Responses that were neither 2xx nor the 401 a revoked token deserves. */
  unexpected: number;
  revokedSent: number;
  revokedRefused: number;
}

/**
 * `seconds` of load on `url`, each request carrying the next token of the
 * population in turn. When `counts`, a revoked token must be answered 401
 * and every other one 2xx; otherwise (a guard that checks no revocation)
 * every token must be answered 2xx.
 */
export async function load(url: string, population: TokenPopulation, seconds: number, counts: boolean): Promise<LoadOutcome> {
  const outcome = { unexpected: 0, revokedSent: 0, revokedRefused: 0 };
  let next = Math.floor(Math.random() * population.tokens.length);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{
      setupRequest: (request, context) => {
        const index = next++ % population.tokens.length;
        (context as { index?: number }).index = index;
        return { ...request, headers: { ...request.headers, authorization: `Bearer ${population.tokens[index]}` } };
      },
      onResponse: (status, _body, context) => {
        const revoked = population.revoked.has((context as { index: number }).index);
        if (counts && revoked) {
          outcome.revokedSent++;
          if (status === 401) outcome.revokedRefused++;
          else outcome.unexpected++;
        } else if (status < 200 || status > 299) {
          outcome.unexpected++;
        }
      },
    }],
  });
  return { result, ...outcome };
}

/** How a guard server process is configured (see guard-server.ts). */
export interface GuardServerSettings {
  readonly replica?: boolean;
  readonly telemetry?: boolean;
  readonly recordLastUse?: boolean;
  /** Writes a V8 CPU profile of the server, `<name>.cpuprofile` in this folder, when it stops. */
  readonly cpuProfile?: { readonly dir: string; readonly name: string };
}

export interface GuardServer {
  readonly url: string;
  /** The server process's CPU time so far (user + system), in µs. */
  cpuMicros(): Promise<number>;
  /** Stops the process and waits for it to exit (and so for its CPU profile to be written). */
  stop(): Promise<void>;
}

export async function startGuardServer(serverUrl: string, settings: GuardServerSettings = {}): Promise<GuardServer> {
  const { replica = true, telemetry = false, recordLastUse = true, cpuProfile } = settings;
  const child = fork(fileURLToPath(new URL('./guard-server.js', import.meta.url)), {
    env: {
      ...process.env,
      BENCH_DATABASE_URL: serverUrl,
      BENCH_CACHE: replica ? '1' : '0',
      BENCH_TELEMETRY: telemetry ? '1' : '0',
      BENCH_LAST_USE: recordLastUse ? '1' : '0',
    },
    execArgv: cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfile.dir}`, `--cpu-prof-name=${cpuProfile.name}.cpuprofile`] : [],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    child.stdout!.once('data', (chunk: Buffer) => resolve((JSON.parse(chunk.toString()) as { port: number }).port));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    cpuMicros: () => new Promise<number>((resolve) => {
      child.once('message', (message) => resolve((message as { cpuMicros: number }).cpuMicros));
      child.send('cpu');
    }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
