import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { createServer } from 'node:net';
import { createPrismaClient } from '../dev/prisma.js';
import { startTokenTracking } from './support/token-tracking-app.js';

/** A loopback port nothing listens on: a connection to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('starting while the database is unreachable', () => {
  afterEach(() => jest.restoreAllMocks());

  it('starts, and logs that the schema check was skipped with the cause the driver gave', async () => {
    const warnings: string[] = [];
    jest.spyOn(Logger.prototype, 'warn').mockImplementation((message: unknown) => void warnings.push(String(message)));
    const prisma = createPrismaClient(`postgresql://nobody:nothing@127.0.0.1:${await closedPort()}/none`, 1);
    try {
      const app = await startTokenTracking(prisma, {});
      await app.close();
    } finally {
      await prisma.$disconnect();
    }
    const skipped = warnings.find((warning) => warning.startsWith('could not check the database schema at startup ('));
    expect(skipped).toMatch(/^could not check the database schema at startup \((.+)\); requests answer 503 until the database is reachable$/);
    expect(skipped).not.toContain('(unreachable)');
  });
});
