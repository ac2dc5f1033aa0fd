import { defineConfig, env } from 'prisma/config';

export default defineConfig({
  // A multi-file schema: schema.prisma (generator and datasource, ours) next
  // to token-tracking.prisma (the library's models, copied in by its CLI).
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: env('DATABASE_URL') },
});
