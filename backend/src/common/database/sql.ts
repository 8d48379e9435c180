import { EntityManager } from 'typeorm';

/**
 * Runs SQL and returns its rows whatever the statement (TypeORM's plain `query()` returns `[rows, count]` for
 * UPDATE and DELETE but bare rows otherwise).
 */
export async function queryRows<T>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  if (em.queryRunner) {
    const result = await em.queryRunner.query(sql, params, true);
    return (result.records ?? []) as T[];
  }
  const runner = em.connection.createQueryRunner();
  try {
    const result = await runner.query(sql, params, true);
    return (result.records ?? []) as T[];
  } finally {
    await runner.release();
  }
}
