import { Client } from 'pg';

/**
 * A connection as the database owner, for arranging test situations the API cannot create (expired tokens)
 * and for checking what the API wrote. Never used by the application.
 */
export async function ownerQuery<T = Record<string, unknown>>(
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
