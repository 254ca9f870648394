// One query on a PostgreSQL database of the backup benchmark's, on a connection of its own.
import pg from "pg";

export async function query<T>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}
