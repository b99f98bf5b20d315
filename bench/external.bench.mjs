// Backups made by other tools (issue #16): staging one table out of a whole-database dump that
// crm-rescue did not take, measured against the raw tools in the same run, both engines.
//
// Scenario per engine: `contacts` (ROWS rows, SuiteCRM-like, from stage-diff.bench.mjs),
// `accounts` (ROWS/100 rows: the "1% table") and a filler `activity_log` sized so that the whole
// dump is about DUMP_MB of SQL once decompressed (1 GB by default). Dumps made by the real tools:
// `pg_dump | gzip` (plain SQL) and `pg_dump -Fc` on PostgreSQL, `mysqldump | gzip` on MariaDB.
//
//   1. stage contacts out of the gzip dump (`crm-rescue stage --backup ID`, ID from `backups
//      import`) vs (`gzip -dc FILE > /dev/null` + staging contacts from crm-rescue's own backup
//      of the same database): target ≤ 1.1×;
//   2. stage accounts (1% of the rows) out of the gzip dump vs loading the whole dump into a
//      scratch database (`gzip -dc FILE | psql` / `| mysql`): target < 10%;
//   3. PostgreSQL only: stage contacts out of the custom archive vs (`pg_restore -t contacts -f
//      /dev/null` + staging contacts from crm-rescue's own backup): target ≤ 1.1×;
//   4. peak RSS of staging from the gzip dump at DUMP_MB and at RSS_SCALE × DUMP_MB, the larger
//      dump's `blobs` table holding one BIG_VALUE_MB value (64 MB on PostgreSQL; MariaDB's shared
//      server keeps max_allowed_packet at 16 MB, which no client can raise, so 12 MB there):
//      staging `blobs` too. Target: flat (≤ 1.25× growth).
//
// Wall time: median of RUNS runs, order alternated. RSS: the peak of the summed RSS of the
// process tree (ctx.measure) and the largest single process's high-water mark. Every database,
// staging namespace and file this creates is removed at the end, also on failure.
//
// Knobs: BENCH_EXT_ROWS (1000000), BENCH_EXT_DUMP_MB (1000), BENCH_EXT_RSS_SCALE (3; 0 skips
// step 4), BENCH_EXT_RUNS (1), BENCH_EXT_ENGINES (postgres,mysql).
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { myHostArgs, pgHostArgs, sqlRun } from './clients.mjs';
import { backup, cli, codeVersion, createContactsDb, createDb, dropDb, median, r2, r3, urlOf } from './stage-diff.bench.mjs';

export const title = 'Backups made by other tools: one table out of a pg_dump / mysqldump file vs the raw tools';

const ROWS = Number(process.env.BENCH_EXT_ROWS ?? 1_000_000);
const DUMP_MB = Number(process.env.BENCH_EXT_DUMP_MB ?? 1000);
const RSS_SCALE = Number(process.env.BENCH_EXT_RSS_SCALE ?? 3);
const RUNS = Number(process.env.BENCH_EXT_RUNS ?? 1);
const ENGINES = (process.env.BENCH_EXT_ENGINES ?? 'postgres,mysql').split(',');
const TARGETS = { vsDecompressPlusOwn: 1.1, smallVsWhole: 0.1, customVsPgRestore: 1.1, rssGrowth: 1.25 };
/** Bytes of one activity_log row in a dump (id, a 480-character text, separators). */
const FILLER_ROW_BYTES = 500;
const sh = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;

/**
 * 15 different md5 hex strings per row (480 characters): text that compresses about as well as
 * a CRM's data (2×), where one string repeated would shrink to almost nothing and make
 * decompressing unrealistically cheap.
 */
const HEXES = (col, dialect) =>
  Array.from({ length: 15 }, (_, k) => (dialect === 'pg' ? `md5((${col} * 15 + ${k})::text)` : `MD5(${col} * 15 + ${k})`)).join(
    dialect === 'pg' ? ' || ' : ', ',
  );

/** Sizes the filler so that the whole dump holds about `mb` MB of SQL. */
function addFiller(engine, db, mb, contactsMB) {
  const rows = Math.max(0, Math.round(((mb - contactsMB) * 1e6) / FILLER_ROW_BYTES));
  if (engine === 'postgres')
    sqlRun(
      engine,
      db,
      `CREATE TABLE activity_log (id bigint PRIMARY KEY, body text);
       INSERT INTO activity_log SELECT g, ${HEXES('g', 'pg')} FROM generate_series(1, ${rows}) g; VACUUM ANALYZE activity_log;`,
    );
  else
    sqlRun(
      engine,
      db,
      `CREATE TABLE activity_log (id bigint PRIMARY KEY, body text);
       INSERT INTO activity_log SELECT seq, CONCAT(${HEXES('seq', 'my')}) FROM seq_1_to_${rows || 1} WHERE ${rows} > 0;`,
    );
  return rows;
}

/** One table holding one value of `mb` MB (built on the server: no client holds it). */
function addBigValue(engine, db, mb) {
  if (engine === 'postgres')
    sqlRun(engine, db, `CREATE TABLE blobs (id int PRIMARY KEY, body text); INSERT INTO blobs SELECT 1, repeat('0123456789abcdef', ${mb} * 65536);`);
  else sqlRun(engine, db, `CREATE TABLE blobs (id int PRIMARY KEY, body longtext); INSERT INTO blobs SELECT 1, REPEAT('0123456789abcdef', ${mb} * 65536);`);
}

const BIG_VALUE_MB = { postgres: 64, mysql: 12 };

async function measured(ctx, label, fn) {
  const ms = [];
  for (let i = 0; i < RUNS; i++) {
    const m = await fn();
    if (m.exitCode !== 0) throw new Error(`${label} failed (exit ${m.exitCode}): ${m.stderrTail}`);
    ctx.log(`${label} run ${i + 1}: ${r2(m.wallSeconds)} s, tree RSS ${m.peakTreeRssMB} MB, largest process ${m.peakProcessHwmMB} MB`);
    ms.push(m);
  }
  return {
    medianSeconds: r2(median(ms.map((m) => m.wallSeconds))),
    cpuSeconds: r2(median(ms.map((m) => m.cpuSeconds ?? NaN))),
    peakTreeRssMB: Math.max(...ms.map((m) => m.peakTreeRssMB)),
    peakProcessHwmMB: Math.max(...ms.map((m) => m.peakProcessHwmMB)),
  };
}

/** Dumps, imports and measures one engine at one dump size. */
async function scenario(ctx, engine, dumpMB, { full, big }) {
  const tag = engine === 'postgres' ? 'pg' : 'my';
  const db = `crb_ext_${tag}_${dumpMB}`;
  const scratch = `crb_ext_${tag}_scratch`;
  const dir = ctx.tmpdir();
  const work = ctx.tmpdir();
  const url = urlOf(engine, db);
  const log = (m) => ctx.log(`${engine} ${dumpMB} MB: ${m}`);
  const res = { engine, dumpMB, rows: ROWS };
  // Staging namespaces (a schema of db on PostgreSQL, a database of their own on MariaDB) are dropped with `staging drop`.
  const staged = new Set();
  const dropStage = (id) => {
    try {
      cli(ctx, ['staging', 'drop', id, '--url', url, '--yes']);
    } catch {
      /* nothing staged */
    }
  };
  try {
    let t0 = Date.now();
    createContactsDb(engine, db, ROWS);
    // contacts is ~330 bytes a row in a dump.
    res.fillerRows = addFiller(engine, db, dumpMB, (ROWS * 330) / 1e6);
    if (big) addBigValue(engine, db, BIG_VALUE_MB[engine]);
    log(`created in ${Math.round((Date.now() - t0) / 1000)} s`);
    t0 = Date.now();
    const gz = join(work, 'dump.sql.gz');
    const custom = join(work, 'dump.custom');
    const dumpCmd =
      engine === 'postgres'
        ? `pg_dump ${pgHostArgs().join(' ')} -d ${db} | gzip -1 > ${sh(gz)}`
        : `mysqldump ${myHostArgs().join(' ')} --single-transaction --max-allowed-packet=64M ${db} | gzip -1 > ${sh(gz)}`;
    const d = await ctx.measure('bash', ['-o', 'pipefail', '-c', dumpCmd]);
    if (d.exitCode !== 0) throw new Error(`dump failed: ${d.stderrTail}`);
    if (engine === 'postgres' && full) {
      const c = await ctx.measure('bash', ['-o', 'pipefail', '-c', `pg_dump ${pgHostArgs().join(' ')} -d ${db} -Fc -Z1 -f ${sh(custom)}`]);
      if (c.exitCode !== 0) throw new Error(`pg_dump -Fc failed: ${c.stderrTail}`);
    }
    res.dump = { gzipBytes: statSync(gz).size };
    log(`dumps in ${Math.round((Date.now() - t0) / 1000)} s; gzip ${Math.round(res.dump.gzipBytes / 1e6)} MB`);

    const imported = JSON.parse(cli(ctx, ['backups', 'import', gz, '--dir', dir, '--json']));
    const extId = (Array.isArray(imported) ? imported[0] : (imported.imported?.[0] ?? imported)).id;
    const stage = (id, table) => ['stage', '--url', url, '--backup', id, '--table', table, '--dir', dir, '--json'];
    const ext = async (label, id, table) => {
      dropStage(id);
      staged.add(id);
      return measured(ctx, `${engine} ${dumpMB} MB ${label}`, () => ctx.measure(ctx.binary, stage(id, table)));
    };
    res.external = { contacts: await ext('stage contacts (gzip dump)', extId, 'contacts') };
    if (big) res.external.blobs = await ext('stage blobs (gzip dump)', extId, 'blobs');
    if (!full) return res;

    const manifest = backup(ctx, engine, db, dir);
    res.decompress = await measured(ctx, `${engine} gzip -dc > /dev/null`, () => ctx.measure('bash', ['-c', `gzip -dc ${sh(gz)} > /dev/null`]));
    res.own = await ext('stage contacts (own backup)', manifest.id, 'contacts');
    res.external.accounts = await ext('stage accounts (gzip dump)', extId, 'accounts');
    createDb(engine, scratch);
    const client =
      engine === 'postgres' ? `psql -X -q -v ON_ERROR_STOP=1 ${pgHostArgs().join(' ')} -d ${scratch}` : `mysql ${myHostArgs().join(' ')} ${scratch}`;
    res.wholeLoad = await measured(ctx, `${engine} whole dump into scratch`, async () => {
      createDb(engine, scratch);
      return ctx.measure('bash', ['-o', 'pipefail', '-c', `gzip -dc ${sh(gz)} | ${client} > /dev/null`]);
    });
    if (engine === 'postgres') {
      const cImported = JSON.parse(cli(ctx, ['backups', 'import', custom, '--dir', dir, '--json']));
      const cId = (Array.isArray(cImported) ? cImported[0] : (cImported.imported?.[0] ?? cImported)).id;
      res.external.customContacts = await ext('stage contacts (custom archive)', cId, 'contacts');
      res.pgRestoreTable = await measured(ctx, 'pg_restore -t contacts -f /dev/null', () =>
        ctx.measure('pg_restore', ['-t', 'contacts', '-f', '/dev/null', custom]),
      );
    }
    res.ratios = {
      vsDecompressPlusOwn: r2(res.external.contacts.medianSeconds / (res.decompress.medianSeconds + res.own.medianSeconds)),
      smallVsWhole: r3(res.external.accounts.medianSeconds / res.wholeLoad.medianSeconds),
      customVsPgRestore:
        engine === 'postgres' ? r2(res.external.customContacts.medianSeconds / (res.pgRestoreTable.medianSeconds + res.own.medianSeconds)) : null,
    };
    return res;
  } finally {
    for (const id of staged) dropStage(id);
    for (const x of [db, scratch]) {
      try {
        dropDb(engine, x);
      } catch {
        /* best effort */
      }
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

export default async function run(ctx) {
  const results = [];
  const rss = [];
  for (const engine of ENGINES) {
    const main = await scenario(ctx, engine, DUMP_MB, { full: true, big: false });
    results.push(main);
    if (RSS_SCALE > 0) {
      const small = await scenario(ctx, engine, DUMP_MB, { full: false, big: true });
      const large = await scenario(ctx, engine, Math.round(DUMP_MB * RSS_SCALE), { full: false, big: true });
      const pts = [small, large].map((r) => ({
        dumpMB: r.dumpMB,
        contactsSeconds: r.external.contacts.medianSeconds,
        contactsPeakTreeRssMB: r.external.contacts.peakTreeRssMB,
        blobsPeakTreeRssMB: r.external.blobs.peakTreeRssMB,
        largestProcessMB: Math.max(r.external.contacts.peakProcessHwmMB, r.external.blobs.peakProcessHwmMB),
      }));
      const growth = r2(Math.max(pts[1].contactsPeakTreeRssMB / pts[0].contactsPeakTreeRssMB, pts[1].blobsPeakTreeRssMB / pts[0].blobsPeakTreeRssMB));
      rss.push({ engine, bigValueMB: BIG_VALUE_MB[engine], points: pts, growth, met: growth <= TARGETS.rssGrowth });
    }
  }
  const data = { code: codeVersion(ctx.root), rows: ROWS, dumpMB: DUMP_MB, runs: RUNS, targets: TARGETS, results, rss };
  return { data, summaryMarkdown: summarize(data) };
}

/** The README section, from a result's `data`. */
export function summarize(data) {
  const T = data.targets;
  const mark = (ok) => (ok === null || ok === undefined ? '–' : ok ? 'met' : '**missed**');
  const lines = [
    `Code: ${data.code ?? 'unknown'}. ${data.rows.toLocaleString('en')} contacts, whole dump ≈ ${data.dumpMB} MB of SQL; median of ${data.runs} run(s).`,
    '',
    '| engine | stage contacts from gzip dump | gzip -dc + stage from own backup | ratio (≤ ' +
      T.vsDecompressPlusOwn +
      ') | stage 1% table | whole dump into scratch | share (< ' +
      T.smallVsWhole +
      ') | custom archive: stage / (pg_restore -t + own) (≤ ' +
      T.customVsPgRestore +
      ') |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of data.results) {
    lines.push(
      `| ${r.engine} | ${r.external.contacts.medianSeconds} s | ${r2(r.decompress.medianSeconds + r.own.medianSeconds)} s (${r.decompress.medianSeconds} + ${r.own.medianSeconds}) | ${r.ratios.vsDecompressPlusOwn} ${mark(r.ratios.vsDecompressPlusOwn <= T.vsDecompressPlusOwn)} | ${r.external.accounts.medianSeconds} s | ${r.wholeLoad.medianSeconds} s | ${r.ratios.smallVsWhole} ${mark(r.ratios.smallVsWhole < T.smallVsWhole)} | ${r.ratios.customVsPgRestore === null ? '–' : `${r.external.customContacts.medianSeconds} s / (${r.pgRestoreTable.medianSeconds} + ${r.own.medianSeconds}) = ${r.ratios.customVsPgRestore} ${mark(r.ratios.customVsPgRestore <= T.customVsPgRestore)}`} |`,
    );
  }
  if (data.rss.length) {
    lines.push(
      '',
      `Peak RSS of staging from the gzip dump (target: growth ≤ ${T.rssGrowth}×):`,
      '',
      '| engine | dump | contacts: tree RSS | big-value table: tree RSS | largest process | growth |',
      '|---|---:|---:|---:|---:|---:|',
    );
    for (const r of data.rss)
      for (const [i, p] of r.points.entries())
        lines.push(
          `| ${r.engine} | ${p.dumpMB} MB | ${p.contactsPeakTreeRssMB} MB | ${p.blobsPeakTreeRssMB} MB (one ${r.bigValueMB} MB value) | ${p.largestProcessMB} MB | ${i ? `${r.growth}× ${mark(r.met)}` : ''} |`,
        );
  }
  return lines.join('\n');
}
