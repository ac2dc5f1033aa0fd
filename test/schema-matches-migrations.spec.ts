import { readdir, readFile } from 'node:fs/promises';
import { getDMMF } from '@prisma/get-dmmf';
import { createTestDatabase, TestDatabase } from './support/test-database.js';

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  character_maximum_length: number | null;
  datetime_precision: number | null;
  is_nullable: 'YES' | 'NO';
  column_default: string | null;
}

/** Postgres' information_schema name for each Prisma native type used. */
const POSTGRES_TYPES: Record<string, string> = {
  VarChar: 'character varying',
  Timestamptz: 'timestamp with time zone',
  Text: 'text',
  BigInt: 'bigint',
  Integer: 'integer',
};

/** How information_schema spells the default Prisma declares (only the kinds the schema uses). */
function postgresDefault(value: { name?: string } | string | undefined, nativeType: string): string | null {
  if (value === undefined) return null;
  if (typeof value === 'string') return `'${value}'::${POSTGRES_TYPES[nativeType]}`;
  if (value.name === 'now') return 'CURRENT_TIMESTAMP';
  if (value.name === 'autoincrement') return 'a sequence';
  return `unmapped default ${JSON.stringify(value)}`;
}

/**
 * Index predicates, which Prisma's schema states only with a preview feature:
 * the schema says "Partial in the migration (WHERE <predicate>)" in the
 * comment above such an index.
 */
function declaredPredicates(schema: string): Map<string, string> {
  const declared = new Map<string, string>();
  for (const match of schema.matchAll(/Partial in the migration \(WHERE ([^)]+)\)[^@]*@@index\([^)]*map: "([^"]+)"\)/g)) {
    declared.set(match[2]!, match[1]!);
  }
  return declared;
}

/** Every file of the multi-file schema in prisma/schema, as one datamodel. */
async function readSchema(): Promise<string> {
  const names = (await readdir('prisma/schema')).filter((name) => name.endsWith('.prisma')).sort();
  return (await Promise.all(names.map((name) => readFile(`prisma/schema/${name}`, 'utf8')))).join('\n');
}

/**
 * token-tracking.prisma is what a host application adds to its schema; the SQL migrations are
 * what databases actually get. This proves, on a database migrated by those
 * files, that the two describe the same tables, columns, types, nullability,
 * defaults, primary keys and indexes.
 */
describe('prisma/schema and prisma/migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('agree on every table, column, key and index', async () => {
    const schema = await readSchema();
    const predicates = declaredPredicates(schema);
    const parsed = await getDMMF({ datamodel: schema });
    if (!('datamodel' in parsed)) throw new Error(`schema.prisma does not parse: ${JSON.stringify(parsed)}`);
    const dmmf = parsed;
    const columns = await db.query<ColumnRow>(`
      SELECT table_name, column_name, data_type, character_maximum_length, datetime_precision, is_nullable,
             CASE WHEN column_default LIKE 'nextval(%' THEN 'a sequence' ELSE column_default END AS column_default
        FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
    const indexes = await db.query<{ table: string; name: string; columns: string[]; primary: boolean; unique: boolean; predicate: string | null }>(`
      SELECT t.relname AS table, i.relname AS name, ix.indisprimary AS primary, ix.indisunique AS unique,
             array_agg(a.attname::text ORDER BY k.ordinality) AS columns,
             trim(BOTH '()' FROM pg_get_expr(ix.indpred, ix.indrelid)) AS predicate
        FROM pg_index ix
        JOIN pg_class t ON t.oid = ix.indrelid
        JOIN pg_class i ON i.oid = ix.indexrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        CROSS JOIN LATERAL unnest(ix.indkey) WITH ORDINALITY AS k(attnum, ordinality)
        JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
       WHERE n.nspname = 'public' AND t.relname <> '_prisma_migrations'
       GROUP BY t.relname, i.relname, ix.indisprimary, ix.indisunique, ix.indpred, ix.indrelid`);

    const expectedColumns: ColumnRow[] = [];
    const expectedIndexes: typeof indexes = [];
    for (const model of dmmf.datamodel.models) {
      const table = model.dbName ?? model.name;
      const columnOf = (field: string) => {
        const found = model.fields.find((candidate) => candidate.name === field)!;
        return found.dbName ?? found.name;
      };
      for (const field of model.fields.filter((candidate) => candidate.kind === 'scalar')) {
        const [nativeType, nativeArgs] = (field.nativeType ?? [field.type === 'BigInt' ? 'BigInt' : 'Text', []]) as [string, string[]];
        const argument = nativeArgs[0] === undefined ? null : Number(nativeArgs[0]);
        const defaultValue = field.default as { name?: string } | string | undefined;
        expectedColumns.push({
          table_name: table,
          column_name: field.dbName ?? field.name,
          data_type: POSTGRES_TYPES[nativeType] ?? `unmapped native type ${nativeType}`,
          character_maximum_length: nativeType === 'VarChar' ? argument : null,
          datetime_precision: nativeType === 'Timestamptz' ? argument : null,
          is_nullable: field.isRequired ? 'NO' : 'YES',
          column_default: postgresDefault(defaultValue, nativeType),
        });
      }
      for (const index of dmmf.datamodel.indexes.filter((candidate) => candidate.model === model.name)) {
        expectedIndexes.push({
          table,
          name: index.type === 'id' ? `${table}_pkey` : index.dbName!,
          columns: index.fields.map((field) => columnOf(field.name)),
          primary: index.type === 'id',
          unique: index.type === 'id' || index.type === 'unique',
          predicate: (index.dbName && predicates.get(index.dbName)) ?? null,
        });
      }
    }

    const byKey = <T extends object>(rows: T[], key: (row: T) => string) =>
      [...rows].sort((a, b) => key(a).localeCompare(key(b)));
    expect(byKey(columns, (c) => `${c.table_name}.${c.column_name}`)).toEqual(
      byKey(expectedColumns, (c) => `${c.table_name}.${c.column_name}`),
    );
    expect(byKey(indexes, (i) => i.name)).toEqual(byKey(expectedIndexes, (i) => i.name));
    expect(expectedColumns.length).toBeGreaterThan(10);
    expect(expectedIndexes.length).toBeGreaterThanOrEqual(6);
    expect(predicates.size).toBeGreaterThanOrEqual(1);
  });

  it('records each applied migration the way `prisma migrate deploy` does', async () => {
    const rows = await db.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
      'SELECT migration_name, checksum, finished_at FROM _prisma_migrations',
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      expect(row.checksum).toMatch(/^[0-9a-f]{64}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
    }
  });
});
