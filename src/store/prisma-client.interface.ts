/**
 * The part of a Prisma client this library uses, typed structurally so that
 * any generated client (whatever its output path or extensions) fits, and the
 * library never imports the application's generated code. All queries are
 * tagged-template raw SQL against the tables of `prisma/schema.prisma`.
 */
export interface PrismaRawClient {
  $queryRaw<T = unknown>(query: TemplateStringsArray, ...values: any[]): PromiseLike<T>;
  $executeRaw(query: TemplateStringsArray, ...values: any[]): PromiseLike<number>;
}

export interface PrismaTransactionOptions {
  maxWait?: number;
  timeout?: number;
}

/** A Prisma client: raw queries plus interactive transactions. */
export interface TokenTrackingPrismaClient extends PrismaRawClient {
  $transaction<R>(
    fn: (tx: any) => Promise<R>,
    options?: PrismaTransactionOptions,
  ): Promise<R>;
}
