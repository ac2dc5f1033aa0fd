import { INestApplicationContext, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { PurgeOutcome } from '../store/token-store.interface.js';
import { TokenPurger } from './token-purger.js';

/**
 * A one-shot purge from the command line, like Django simplejwt's
 * `flushexpiredtokens`: boots the given module as an application context
 * (no HTTP server), purges, prints what it removed, and closes. Returns the
 * process exit code. Given a running application (or anything with `get`), it
 * uses that instead and leaves it open.
 *
 * ```ts
 * // purge-tokens.ts
 * process.exitCode = await runPurgeCommand(AppModule);
 * ```
 */
export async function runPurgeCommand(
  module: Type | Pick<INestApplicationContext, 'get'>,
  print: (line: string) => void = (line) => console.log(line),
): Promise<number> {
  const owned = 'get' in module ? null : await NestFactory.createApplicationContext(module, { logger: ['error', 'warn'] });
  const context = owned ?? (module as Pick<INestApplicationContext, 'get'>);
  try {
    const startedAt = Date.now();
    const outcome = await context.get(TokenPurger, { strict: false }).purgeExpired();
    print(describePurge(outcome, Date.now() - startedAt));
    return 0;
  } catch (error) {
    print(`purge failed: ${(error as Error)?.message ?? String(error)}`);
    return 1;
  } finally {
    await owned?.close();
  }
}

export function describePurge(outcome: PurgeOutcome, durationMs: number): string {
  if (outcome.status === 'skipped') return 'Purge skipped: another process is purging right now.';
  const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;
  return (
    `Purged ${plural(outcome.sessions, 'ended session')}, ${plural(outcome.tokens, 'expired token')}, ` +
    `${plural(outcome.revocations, 'revocation')} and ${plural(outcome.watermarks, 'revoke-all watermark')} in ${durationMs} ms` +
    (outcome.status === 'time-limit' ? ' (time limit reached: run again to continue).' : '.')
  );
}
