/**
 * One process of the fleet benchmark: holds some instances
 * (`FleetInstances`) and is driven by the benchmark over IPC.
 */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { FleetConfig, FleetInstances, WatchedToken } from './fleet-instances.js';

export type FleetCommand =
  | { kind: 'start'; config: FleetConfig }
  | { kind: 'synced'; timeoutMs: number }
  | { kind: 'listen-state' }
  | { kind: 'follow'; tokens: WatchedToken[]; timeoutMs: number }
  | { kind: 'stop' };

async function main(): Promise<void> {
  // A hundred instances would each log their load and their LISTEN state: the benchmark reads both itself.
  Logger.overrideLogger(false);
  let fleet: FleetInstances | null = null;
  const reply = (message: object) => process.send!(message);
  process.on('message', (command: FleetCommand) => {
    void (async () => {
      switch (command.kind) {
        case 'start':
          fleet = FleetInstances.start(command.config);
          return reply({ kind: 'started', servingMs: fleet.servingMs });
        case 'synced':
          return reply({ kind: 'synced', syncedMs: await fleet!.untilSynced(command.timeoutMs) });
        case 'listen-state':
          return reply({ kind: 'listen-state', ...fleet!.listenState });
        case 'follow': {
          const { ready, outcome } = fleet!.follow(command.tokens, command.timeoutMs);
          await ready;
          reply({ kind: 'following' });
          return reply({ kind: 'followed', ...(await outcome) });
        }
        case 'stop':
          await fleet?.stop();
          reply({ kind: 'stopped' });
          process.exit(0);
      }
    })().catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
  reply({ kind: 'ready' });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
