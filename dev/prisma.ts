import { PrismaPg } from '@prisma/adapter-pg';
import type { PoolConfig } from 'pg';
import { PrismaClient } from './prisma-client/client.js';

export { PrismaClient };

/**
 * A Prisma client on `databaseUrl` through the pg driver adapter (no native
 * engine); `pool` adds settings of node-postgres's pool.
 */
export function createPrismaClient(databaseUrl: string, poolSize = 10, pool: Omit<PoolConfig, 'connectionString' | 'max'> = {}): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ ...pool, connectionString: databaseUrl, max: poolSize }) });
}
