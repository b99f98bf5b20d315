// Merge benchmark, both engines in one run: putting COUNTS deleted rows back into a ROWS-row
// SuiteCRM-like `contacts` table (the scenario of stage-diff.bench.mjs, without changes) with
//
//   crm-rescue merge --table contacts --deleted --apply --yes --json   (one transaction, journal
//                                                                       with before/after shadow
//                                                                       tables, verify after commit)
// against the hand-written statement a DBA would run, without a journal:
//   INSERT INTO contacts SELECT s.* FROM <staging>.contacts s <anti-join live>
//
// The table is staged once (not timed: stage-diff.bench.mjs measures staging), and before every
// run the same rows (a scattered, deterministic selection by hash of the id) are deleted again
// and the table vacuumed / analyzed. Wall time is the median of RUNS runs, order alternated.
//
// Readers: while each apply runs, a worker thread with its own connection runs a point SELECT by
// random key (keys of the backup, the rows being put back included) against the live table every
// READER_INTERVAL_MS ms, and records every latency; the same loop runs IDLE_SECONDS with nothing
// else running as the reference. "Available" means no reader query failed and the longest wait
// stayed under READER_MAX_WAIT_MS (no lock wait; on a shared 2-core machine CPU contention alone
// adds tens of milliseconds).
//
// Knobs: BENCH_MERGE_ROWS (1000000), BENCH_MERGE_COUNTS (10000,100000), BENCH_MERGE_RUNS (2),
// BENCH_MERGE_ENGINES (postgres,mysql), BENCH_MERGE_READER_MS (5), BENCH_MERGE_IDLE_SECONDS (10).
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { rmSync } from 'node:fs';
import {
  backup,
  bucketWhere,
  cli,
  codeVersion,
  createContactsDb,
  dropDb,
  dropStaging,
  median,
  MY_ADMIN,
  PG_ADMIN,
  r2,
  sqlRun,
  stagingNamespaceOf,
  urlOf,
} from './stage-diff.bench.mjs';

export const title = 'Merge: crm-rescue merge --deleted --apply (journal) vs hand-written INSERT … SELECT, with a concurrent reader';

const ROWS = Number(process.env.BENCH_MERGE_ROWS ?? 1_000_000);
const COUNTS = (process.env.BENCH_MERGE_COUNTS ?? '10000,100000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_MERGE_RUNS ?? 2);
const ENGINES = (process.env.BENCH_MERGE_ENGINES ?? 'postgres,mysql').split(',');
const READER_INTERVAL_MS = Number(process.env.BENCH_MERGE_READER_MS ?? 5);
const IDLE_SECONDS = Number(process.env.BENCH_MERGE_IDLE_SECONDS ?? 10);
const READER_MAX_WAIT_MS = 1000;
const TARGETS = { mergeVsHand: 2, readerMaxWaitMs: READER_MAX_WAIT_MS };

// ---------------------------------------------------------------------------------------------
// The reader (this file, run as a worker thread)
// ---------------------------------------------------------------------------------------------

async function readerMain({ engine, url, keys, intervalMs }) {
  let stop = false;
  parentPort.on('message', (m) => {
    if (m === 'stop') stop = true;
  });
  let query;
  let close;
  if (engine === 'postgres') {
    const { default: pg } = await import('pg');
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    query = (k) => c.query('SELECT * FROM contacts WHERE id = $1', [k]);
    close = () => c.end();
  } else {
    const { default: mysql } = await import('mysql2/promise');
    const u = new URL(url);
    const c = await mysql.createConnection({
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username || 'root'),
      database: u.pathname.slice(1),
    });
    query = (k) => c.query('SELECT * FROM contacts WHERE id = ?', [k]);
    close = () => c.end();
  }
  parentPort.postMessage({ type: 'ready' });
  const lat = [];
  let errors = 0;
  let firstError = null;
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  while (!stop) {
    const k = keys[Math.floor(Math.random() * keys.length)];
    const t = performance.now();
    try {
      await query(k);
    } catch (err) {
      errors++;
      firstError ??= String(err.message);
    }
    lat.push(performance.now() - t);
    await sleep(intervalMs);
  }
  await close();
  parentPort.postMessage({ type: 'done', lat, errors, firstError });
}

if (!isMainThread && workerData?.role === 'merge-reader') await readerMain(workerData);

/** Starts the reader; `stop()` resolves to its latency statistics (ms). */
async function startReader(engine, db, keys) {
  const w = new Worker(new URL(import.meta.url), {
    workerData: { role: 'merge-reader', engine, url: urlOf(engine, db), keys, intervalMs: READER_INTERVAL_MS },
  });
  const ready = new Promise((resolve, reject) => {
    w.on('error', reject);
    w.on('message', (m) => m.type === 'ready' && resolve());
  });
  await ready;
  const started = performance.now();
  return {
    stop: () =>
      new Promise((resolve, reject) => {
        w.on('error', reject);
        w.on('message', (m) => {
          if (m.type !== 'done') return;
          const s = [...m.lat].sort((a, b) => a - b);
          const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : null);
          resolve({
            queries: s.length,
            seconds: r2((performance.now() - started) / 1000),
            p50Ms: r2(q(0.5)),
            p99Ms: r2(q(0.99)),
            maxMs: r2(s[s.length - 1] ?? null),
            over100Ms: s.filter((x) => x > 100).length,
            errors: m.errors,
            firstError: m.firstError,
          });
          w.terminate();
        });
        w.postMessage('stop');
      }),
  };
}

// ---------------------------------------------------------------------------------------------

const count = (engine, db, where = '1=1') => Number(sqlRun(engine, db, `SELECT count(*) FROM contacts WHERE ${where}`).trim());

function deleteSelection(engine, db, where) {
  sqlRun(engine, db, `DELETE FROM contacts WHERE ${where}`);
  sqlRun(engine, db, engine === 'postgres' ? 'VACUUM ANALYZE contacts' : 'ANALYZE TABLE contacts');
}

async function engineRun(ctx, engine) {
  const tag = engine === 'postgres' ? 'pg' : 'my';
  const db = `crb_merge_${tag}`;
  const dir = ctx.tmpdir();
  const url = urlOf(engine, db);
  const log = (m) => ctx.log(`${engine}: ${m}`);
  let manifest = null;
  let ns = null;
  const out = { engine, rows: ROWS, counts: [] };
  try {
    let t0 = Date.now();
    createContactsDb(engine, db, ROWS);
    log(`created ${ROWS} rows in ${Math.round((Date.now() - t0) / 1000)} s`);
    manifest = backup(ctx, engine, db, dir);
    t0 = Date.now();
    cli(ctx, ['stage', '--url', url, '--backup', manifest.id, '--table', 'contacts', '--dir', dir, '--json']);
    log(`backup ${manifest.id}, staged in ${Math.round((Date.now() - t0) / 1000)} s`);
    ns = stagingNamespaceOf(ctx, engine, db, manifest.id);
    const S = engine === 'postgres' ? `${ns}.contacts` : `\`${ns}\`.contacts`;
    const keys = sqlRun(engine, db, `SELECT id FROM ${S} ORDER BY ${engine === 'postgres' ? 'random()' : 'RAND()'} LIMIT 20000`)
      .trim()
      .split('\n');

    let reader = await startReader(engine, db, keys);
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    out.readerIdle = await reader.stop();
    log(`reader idle: ${JSON.stringify(out.readerIdle)}`);

    const handSql =
      engine === 'postgres'
        ? `INSERT INTO public.contacts SELECT s.* FROM ${S} s WHERE NOT EXISTS (SELECT 1 FROM public.contacts l WHERE l.id = s.id)`
        : `INSERT INTO \`${db}\`.contacts SELECT s.* FROM ${S} s LEFT JOIN \`${db}\`.contacts l ON l.id = s.id WHERE l.id IS NULL`;
    const handCmd =
      engine === 'postgres'
        ? ['psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', new URL(PG_ADMIN).hostname, '-U', 'root', '-d', db, '-c', handSql]]
        : ['mysql', [`-h${new URL(MY_ADMIN).hostname}`, '-uroot', db, '-e', handSql]];

    for (const k of COUNTS) {
      const where = bucketWhere(engine, 0, Math.round((k / ROWS) * 10000));
      const entry = { target: k, ours: [], hand: [], readerOurs: [], readerHand: [] };
      for (let i = 0; i < RUNS; i++) {
        const order = i % 2 ? ['hand', 'ours'] : ['ours', 'hand'];
        for (const who of order) {
          deleteSelection(engine, db, where);
          const missing = ROWS - count(engine, db);
          entry.rows = missing;
          reader = await startReader(engine, db, keys);
          const m =
            who === 'ours'
              ? await ctx.measure(ctx.binary, [
                  'merge',
                  '--url',
                  url,
                  '--backup',
                  manifest.id,
                  '--table',
                  'contacts',
                  '--deleted',
                  '--apply',
                  '--yes',
                  '--dir',
                  dir,
                  '--json',
                ])
              : await ctx.measure(handCmd[0], handCmd[1]);
          const rs = await reader.stop();
          if (m.exitCode !== 0) throw new Error(`${engine} merge ${who} ${k} failed (exit ${m.exitCode}): ${m.stderrTail}`);
          const back = count(engine, db);
          if (back !== ROWS) throw new Error(`${engine} merge ${who} ${k}: live has ${back} rows after the apply, expected ${ROWS}`);
          log(
            `${k} ${who} run ${i + 1}: ${missing} rows in ${r2(m.wallSeconds)} s, tree RSS ${m.peakTreeRssMB} MB; reader max ${rs.maxMs} ms p99 ${rs.p99Ms} ms (${rs.queries} queries, ${rs.errors} errors)`,
          );
          entry[who].push(m);
          entry[who === 'ours' ? 'readerOurs' : 'readerHand'].push(rs);
        }
      }
      const sec = (ms) => ms.map((m) => r2(m.wallSeconds));
      const worst = (rs) => ({
        maxMs: Math.max(...rs.map((r) => r.maxMs)),
        p99Ms: Math.max(...rs.map((r) => r.p99Ms)),
        p50Ms: median(rs.map((r) => r.p50Ms)),
        errors: rs.reduce((s, r) => s + r.errors, 0),
        firstError: rs.find((r) => r.firstError)?.firstError ?? null,
        queries: rs.reduce((s, r) => s + r.queries, 0),
      });
      const oursMedian = median(entry.ours.map((m) => m.wallSeconds));
      const handMedian = median(entry.hand.map((m) => m.wallSeconds));
      const readerOurs = worst(entry.readerOurs);
      const readerHand = worst(entry.readerHand);
      out.counts.push({
        rows: entry.rows,
        oursWallSeconds: sec(entry.ours),
        handWallSeconds: sec(entry.hand),
        oursMedianSeconds: r2(oursMedian),
        handMedianSeconds: r2(handMedian),
        ratio: r2(oursMedian / handMedian),
        target: TARGETS.mergeVsHand,
        met: oursMedian / handMedian <= TARGETS.mergeVsHand,
        oursPeakTreeRssMB: Math.max(...entry.ours.map((m) => m.peakTreeRssMB)),
        readerDuringOurs: readerOurs,
        readerDuringHand: readerHand,
        readerRuns: { ours: entry.readerOurs, hand: entry.readerHand },
        readerMaxVsIdle: r2(readerOurs.maxMs / out.readerIdle.maxMs),
        readerP99VsIdle: r2(readerOurs.p99Ms / out.readerIdle.p99Ms),
        available: readerOurs.errors === 0 && readerOurs.maxMs < READER_MAX_WAIT_MS,
      });
    }
    out.handSql = handSql;
    return out;
  } finally {
    if (manifest) {
      try {
        dropStaging(ctx, engine, db, manifest.id);
      } catch (err) {
        ctx.log(`dropping staging of ${manifest.id} failed: ${err.message}`);
        if (engine === 'mysql' && ns) dropDb(engine, ns);
      }
    }
    try {
      dropDb(engine, db);
      // MySQL keeps the journal in a database of its own.
      if (engine === 'mysql') dropDb(engine, `crm_rescue__${db}`);
    } catch (err) {
      ctx.log(`dropping ${db} failed: ${err.message}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

const yes = (met) => (met ? '✓' : '✗');

export default async function run(ctx) {
  const results = [];
  for (const engine of ENGINES) results.push(await engineRun(ctx, engine));
  const lines = [
    `${ROWS.toLocaleString('en')}-row \`contacts\` (SuiteCRM-like, char(36) ids); the rows to put back are deleted before each run. crm-rescue: \`merge --deleted --apply --yes --json\` (one transaction, journal, verify after commit; the wall time includes the CLI's start, its dry-run preview and the per-row outcome output). Hand: one \`INSERT … SELECT\` anti-join from the staged copy, no journal. Median of ${RUNS} runs, order alternated. Reader: point SELECT by random key every ${READER_INTERVAL_MS} ms on its own connection; its worst run is shown. Machine: 2 cores shared with other work.`,
    '',
    '| engine | rows put back | crm-rescue (s) | INSERT … SELECT (s) | ratio | target | reader max / p99 during merge (ms) | during INSERT … SELECT (ms) | idle (ms) | available |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |',
  ];
  for (const r of results) {
    for (const c of r.counts) {
      lines.push(
        `| ${r.engine} | ${c.rows.toLocaleString('en')} | ${c.oursMedianSeconds} | ${c.handMedianSeconds} | ${c.ratio} | ≤ ${TARGETS.mergeVsHand} ${yes(c.met)} | ${c.readerDuringOurs.maxMs} / ${c.readerDuringOurs.p99Ms} | ${c.readerDuringHand.maxMs} / ${c.readerDuringHand.p99Ms} | ${r.readerIdle.maxMs} / ${r.readerIdle.p99Ms} | ${c.available ? '✓' : '✗'}${c.readerDuringOurs.errors ? ` (${c.readerDuringOurs.errors} errors)` : ''} |`,
      );
    }
  }
  lines.push('', `"Available": no reader query failed and the longest wait stayed under ${READER_MAX_WAIT_MS} ms.`);
  return {
    data: { code: codeVersion(ctx.root), rows: ROWS, runs: RUNS, readerIntervalMs: READER_INTERVAL_MS, targets: TARGETS, results },
    summaryMarkdown: lines.join('\n'),
  };
}
