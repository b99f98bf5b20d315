import { createHash } from 'node:crypto';
import type { TempDb } from './temp-db.js';

/**
 * A checksum of a whole table's content, independent of physical order: every row as the
 * server spells it, sorted. For fixture-sized tables (it reads every row).
 */
export async function tableChecksum(db: TempDb, table: string, schema?: string): Promise<string> {
  const q = db.engine === 'postgres' ? (s: string) => `"${s.replace(/"/g, '""')}"` : (s: string) => `\`${s.replace(/`/g, '``')}\``;
  const from = schema ? `${q(schema)}.${q(table)}` : q(table);
  const rows =
    db.engine === 'postgres'
      ? await db.query<{ r: string }>(`SELECT t::text AS r FROM ${from} t`)
      : await db.query<Record<string, unknown>>(`SELECT * FROM ${from}`);
  const lines = rows
    .map((r) =>
      db.engine === 'postgres'
        ? String((r as { r: string }).r)
        : JSON.stringify(Object.values(r), (_k, v) => (v && v.type === 'Buffer' ? Buffer.from(v.data).toString('hex') : v)),
    )
    .sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/** Checksums of several tables at once. */
export async function checksums(db: TempDb, tables: string[], schema?: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of tables) out[t] = await tableChecksum(db, t, schema);
  return out;
}
