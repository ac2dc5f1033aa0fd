import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from './prisma-client/client.js';

export { PrismaClient };

/** A Prisma client on `databaseUrl` through the pg driver adapter (no native engine). */
export function createPrismaClient(databaseUrl: string, poolSize = 10): PrismaClient {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: poolSize }) });
}
