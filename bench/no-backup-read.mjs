// The reading half of the no-backup sources, alone, for no-backup.bench.mjs: what the raw tools
// do (mariadb-binlog -v decodes the log; a CTAS from pg_dirtyread reads dead rows into a table),
// without the choosing and staging that only crm-rescue does. Runs the built modules (dist/).
//
//   node bench/no-backup-read.mjs binlog URL TABLE FILE…
//       both passes over the files (the checks and keys; then every image, decoded, text columns
//       turned into strings as staging gets them); prints the rows.
//   node bench/no-backup-read.mjs pageinspect URL TABLE
//       every version of the table read from its raw pages, decoded, and copied into an unlogged
//       work table (the first step of staging); prints the rows copied; drops the table.
import { fileURLToPath } from 'node:url';

const dist = (p) => fileURLToPath(new URL(`../dist/src/${p}`, import.meta.url));
const { openDb } = await import(dist('connect/open.js'));
const { parseTargetUrl } = await import(dist('connect/target.js'));

const [what, url, table, ...files] = process.argv.slice(2);
const db = await openDb(parseTargetUrl(url), { readOnly: what === 'binlog', interactive: false });
let rows = 0;
try {
  if (what === 'binlog') {
    const { binlogSource } = await import(dist('stage/sources/binlog.js'));
    const source = await binlogSource(db, { files });
    const [t] = await source.find([table]);
    for await (const row of t.rows()) if (row) rows++;
  } else if (what === 'pageinspect') {
    const { pgAttributes } = await import(dist('nobackup/pg-dead/columns.js'));
    const { pageinspectInto, META_DDL } = await import(dist('nobackup/pg-dead/read.js'));
    const attrs = await pgAttributes(db, table);
    const cols = attrs.filter((a) => !a.dropped);
    const [{ key }] = await db.query(
      `SELECT array_agg(a.attname::text) AS key FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) WHERE i.indrelid = to_regclass($1) AND i.indisprimary`,
      [table],
    );
    const work = 'crb_nb_read_work';
    await db.query(`DROP TABLE IF EXISTS ${work}`);
    await db.query(`CREATE UNLOGGED TABLE ${work} (${cols.map((c) => `"${c.name}" ${c.type}`).join(', ')}, ${META_DDL})`);
    try {
      await pageinspectInto(db, table, cols, key, work, undefined, attrs);
      [{ n: rows }] = await db.query(`SELECT count(*)::int AS n FROM ${work}`);
    } finally {
      await db.query(`DROP TABLE IF EXISTS ${work}`);
    }
  } else throw new Error(`unknown: ${what}`);
} finally {
  await db.close();
}
process.stdout.write(`${rows}\n`);
