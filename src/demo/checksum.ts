/**
 * A content checksum of the demo tables, read page by page in key order (memory stays flat):
 * two seeds of the same scale and reference must give the same checksum, and a database
 * restored by merge must give the checksum it had before the incident.
 */
import { createHash } from 'node:crypto';
import type { Queryable } from '../dialect/index.js';
import type { Dialect } from '../dialect/index.js';
import { DEMO_TABLES, type DemoTable } from './tables.js';

/** Per-table row count and sha256, and one sha256 over all tables. */
export interface DemoChecksum {
  tables: Record<DemoTable, { rows: number; sha256: string }>;
  sha256: string;
}

const PAGE = 5_000;

function normalize(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return `\\x${value.toString('hex')}`;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/**
 * Checksums every demo table (all columns, rows in key order). Values are hashed as the
 * driver returns them, so compare checksums taken on the same engine only.
 */
export async function demoChecksum(db: Queryable & { dialect: Dialect }, tables: readonly DemoTable[] = DEMO_TABLES): Promise<DemoChecksum> {
  const all = createHash('sha256');
  const out = {} as DemoChecksum['tables'];
  const p = (i: number) => db.dialect.placeholder(i);
  for (const table of tables) {
    const h = createHash('sha256');
    const t = db.dialect.quoteIdent(table);
    let rows = 0;
    let after: unknown = null;
    for (;;) {
      const where = after === null ? '' : `WHERE id > ${p(1)} `;
      const page = await db.query<Record<string, unknown>>(`SELECT * FROM ${t} ${where}ORDER BY id LIMIT ${PAGE}`, after === null ? [] : [after]);
      for (const row of page) h.update(`${JSON.stringify(Object.values(row).map(normalize))}\n`);
      rows += page.length;
      if (page.length < PAGE) break;
      after = page[page.length - 1].id;
    }
    const sha256 = h.digest('hex');
    out[table] = { rows, sha256 };
    all.update(`${table} ${rows} ${sha256}\n`);
  }
  return { tables: out, sha256: all.digest('hex') };
}
