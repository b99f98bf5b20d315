// Audit benchmark: the first page of `audit deletions` and `audit incidents` on an audit table of
// 5M rows (crm-rescue's trigger-audit log, with the indexes `audit install` creates), and the
// trigger audit's overhead: deleting 100k rows with and without the triggers, plus 1,000
// single-row DELETE statements. Both engines. Medians of RUNS after one warm-up.
//
// Data is generated with SQL (generate_series on PostgreSQL, the sequence engine on MariaDB):
// background deletions by 5,000 users over 60 days (≈1 per user per 86 min: no bursts), plus 30
// injected incidents of 1,500 rows in 2 minutes, the newest ending 10 minutes ago.
//
// Imports the BUILT code (dist/): run `npm run build` first, or run through `npm run bench`.
// Alone: `node bench/audit.bench.mjs` writes bench/results/audit.json.
// Knobs: BENCH_AUDIT_ROWS (5000000), BENCH_AUDIT_DELETE_ROWS (100000), BENCH_AUDIT_RUNS (5),
// BENCH_AUDIT_ENGINES (postgres,mysql).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MY_ADMIN, mysqlc, PG_ADMIN, psql } from './clients.mjs';

export const title = 'Audit: first pages on a 5M-row audit log, trigger-audit overhead';

const root = fileURLToPath(new URL('..', import.meta.url));
const ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 5_000_000);
const DELETE_ROWS = Number(process.env.BENCH_AUDIT_DELETE_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_AUDIT_RUNS ?? 5);
const ENGINES = (process.env.BENCH_AUDIT_ENGINES ?? 'postgres,mysql').split(',');
const BURSTS = 30;
const BURST_ROWS = 1500;
const DB = 'crt_bench_audit';

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x) => Math.round(x * 10) / 10;

async function timeIt(fn) {
  const t = performance.now();
  const out = await fn();
  return { ms: performance.now() - t, out };
}

async function repeat(fn, runs = RUNS) {
  if (runs > 1) await fn(); // warm-up
  const times = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const r = await timeIt(fn);
    times.push(r.ms);
    last = r.out;
  }
  return { medianMs: ms(median(times)), minMs: ms(Math.min(...times)), maxMs: ms(Math.max(...times)), out: last };
}

/** Runs a command until its stdout matches `pattern` (then kills it): the wall time a user waits. */
function untilOutput(cmd, args, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let text = '';
    let done = false;
    child.stdout.on('data', (chunk) => {
      text += chunk;
      if (!done && pattern.test(text)) {
        done = true;
        child.kill('SIGTERM');
        resolve(text.split('\n')[0]);
      }
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (!done) reject(new Error(`${args.join(' ')} exited ${code} before printing ${pattern}`));
    });
  });
}

async function api() {
  const dist = (p) => pathToFileURL(join(root, 'dist', 'src', p)).href;
  if (!existsSync(join(root, 'dist', 'src', 'audit', 'index.js'))) throw new Error('dist/ is not built: run npm run build');
  const audit = await import(dist('audit/index.js'));
  const { openDb } = await import(dist('connect/open.js'));
  const { parseTargetUrl } = await import(dist('connect/target.js'));
  return { audit, openDb, parseTargetUrl };
}

function createDatabase(engine) {
  if (engine === 'postgres') {
    psql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    psql('postgres', `CREATE DATABASE ${DB}`);
    psql(DB, 'CREATE TABLE contacts (id int PRIMARY KEY, name text)');
  } else {
    mysqlc(null, `DROP DATABASE IF EXISTS ${DB}; DROP DATABASE IF EXISTS crm_rescue__${DB}; CREATE DATABASE ${DB} CHARACTER SET utf8mb4`);
    mysqlc(DB, 'CREATE TABLE contacts (id int PRIMARY KEY, name varchar(100))');
  }
}

function dropDatabase(engine) {
  if (engine === 'postgres') psql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
  else mysqlc(null, `DROP DATABASE IF EXISTS ${DB}; DROP DATABASE IF EXISTS crm_rescue__${DB}`);
}

/** Background rows plus the injected incidents, straight into the log. */
function fillLog(engine, log) {
  const background = ROWS - BURSTS * BURST_ROWS;
  const tables = ['contacts', 'accounts', 'notes', 'calls', 'opportunities', 'accounts_contacts'];
  if (engine === 'postgres') {
    psql(
      DB,
      `INSERT INTO crm_rescue.audit_log (logged_at, table_schema, table_name, operation, row_key, old_row, db_user, app_user, txid)
       SELECT now() - interval '60 days 1 hour' + g * (interval '60 days' / ${background}), 'public', (ARRAY['${tables.join("','")}'])[1 + g % 6], 'DELETE',
              json_build_object('id', g), json_build_object('id', g, 'name', 'Name ' || g, 'email', 'user' || g || '@example.com', 'amount', g % 1000, 'note', md5(g::text)),
              'crm', 'user' || ((g::bigint * 7919) % 5000), g / 10
       FROM generate_series(1, ${background}) g`,
    );
    psql(
      DB,
      `INSERT INTO crm_rescue.audit_log (logged_at, table_schema, table_name, operation, row_key, old_row, db_user, app_user, txid)
       SELECT now() - interval '12 minutes' - (g / ${BURST_ROWS}) * interval '2 days' + (g % ${BURST_ROWS}) * interval '80 milliseconds', 'public',
              (ARRAY['contacts','accounts_contacts','notes'])[1 + g % 3], 'DELETE', json_build_object('id', -g), json_build_object('id', -g, 'name', 'Gone ' || g),
              'crm', 'intruder' || (g / ${BURST_ROWS}), 900000000 + g / 100
       FROM generate_series(0, ${BURSTS * BURST_ROWS - 1}) g`,
    );
    psql(DB, 'VACUUM ANALYZE crm_rescue.audit_log');
  } else {
    const step = Math.floor((60 * 86400 * 1e6) / background);
    mysqlc(
      DB,
      `SET @start = UTC_TIMESTAMP(6) - INTERVAL 60 DAY - INTERVAL 1 HOUR;
       INSERT INTO ${log} (logged_at, table_schema, table_name, operation, row_key, old_row, db_user, app_user, txid)
       SELECT TIMESTAMPADD(MICROSECOND, seq * ${step}, @start), '${DB}', ELT(1 + seq % 6, '${tables.join("','")}'), 'DELETE',
              JSON_OBJECT('id', seq), JSON_OBJECT('id', seq, 'name', CONCAT('Name ', seq), 'email', CONCAT('user', seq, '@example.com'), 'amount', seq % 1000, 'note', MD5(seq)),
              'crm', CONCAT('user', (seq * 7919) % 5000), seq DIV 10
       FROM seq_1_to_${background}`,
    );
    mysqlc(
      DB,
      `SET @now = UTC_TIMESTAMP(6);
       INSERT INTO ${log} (logged_at, table_schema, table_name, operation, row_key, old_row, db_user, app_user, txid)
       SELECT @now - INTERVAL 12 MINUTE - INTERVAL ((seq DIV ${BURST_ROWS}) * 2) DAY + INTERVAL ((seq MOD ${BURST_ROWS}) * 80000) MICROSECOND, '${DB}',
              ELT(1 + seq % 3, 'contacts', 'accounts_contacts', 'notes'), 'DELETE', JSON_OBJECT('id', -seq), JSON_OBJECT('id', -seq, 'name', CONCAT('Gone ', seq)),
              'crm', CONCAT('intruder', seq DIV ${BURST_ROWS}), 900000000 + seq DIV 100
       FROM seq_0_to_${BURSTS * BURST_ROWS - 1}`,
    );
    mysqlc(DB, `ANALYZE TABLE ${log}`);
  }
}

async function firstPages(engine, { audit, openDb, parseTargetUrl }, log) {
  const url = `${engine === 'postgres' ? PG_ADMIN : MY_ADMIN}/${DB}`;
  const rw = await openDb(parseTargetUrl(url), { readOnly: false, interactive: false });
  try {
    await audit.installTriggerAudit(rw, { tables: ['contacts'] });
  } finally {
    await rw.close();
  }
  log(`${engine}: generating ${ROWS.toLocaleString('en-US')} audit rows`);
  const gen = await timeIt(async () => fillLog(engine, engine === 'postgres' ? 'crm_rescue.audit_log' : `crm_rescue__${DB}.audit_log`));
  log(`${engine}: generated in ${Math.round(gen.ms / 1000)} s`);
  const db = await openDb(parseTargetUrl(url), { interactive: false });
  try {
    const { ctx, sources } = audit.selectSources(await audit.loadAuditContext(db), ['trigger-audit']);
    const advice = await audit.adviseIndexes(db, ctx, sources);
    const page = await repeat(() => audit.deletionEvents(db, ctx, sources, { limit: 50 }));
    const second = await repeat(() => audit.deletionEvents(db, ctx, sources, { limit: 50, cursor: page.out.next }));
    const byTable = await repeat(() => audit.deletionEvents(db, ctx, sources, { limit: 50, filter: { table: 'calls' } }));
    const byUser = await repeat(() => audit.deletionEvents(db, ctx, sources, { limit: 50, filter: { user: 'user42' } }));
    const incident1 = await repeat(() => audit.listIncidents(db, ctx, sources, { limit: 1 }));
    // These read days of events (the 5th incident is 8 days back, the 20th 38): one run each.
    const incident5 = await repeat(() => audit.listIncidents(db, ctx, sources, { limit: 5 }), 1);
    const incident20 = await repeat(() => audit.listIncidents(db, ctx, sources, { limit: 20 }), 1);
    const hours = await repeat(() => audit.timeline(db, ctx, sources, audit.defaultTimelineRange('hour'), 'hour'));
    // What a user at a terminal waits for: the CLI prints each incident as soon as it is final.
    const cliIncident = await repeat(() => untilOutput(join(root, 'bin', 'crm-rescue'), ['audit', 'incidents', '--url', url], /^inc_/m));
    const cli = await repeat(async () =>
      execFileSync(join(root, 'bin', 'crm-rescue'), ['audit', 'deletions', '--url', url, '--limit', '50', '--json'], { stdio: ['ignore', 'ignore', 'ignore'] }),
    );
    const strip = ({ out, ...rest }) => rest;
    return {
      rows: ROWS,
      generateSeconds: Math.round(gen.ms / 1000),
      indexAdvice: advice.map((a) => a.ddl),
      deletionsFirstPage: { ...strip(page), events: page.out.events.length },
      deletionsSecondPage: { ...strip(second), events: second.out.events.length },
      deletionsFirstPageTable: { ...strip(byTable), events: byTable.out.events.length },
      deletionsFirstPageRareUser: { ...strip(byUser), events: byUser.out.events.length },
      incidentsNewest1: {
        ...strip(incident1),
        incidents: incident1.out.length,
        newest: incident1.out[0] && { window: incident1.out[0].window, rows: incident1.out[0].rows.total },
      },
      incidentsNewest5: { ...strip(incident5), incidents: incident5.out.length },
      incidentsNewest20: { ...strip(incident20), incidents: incident20.out.length },
      timelineWeekByHour: { ...strip(hours), buckets: hours.out.length },
      cliDeletionsWall: strip(cli),
      cliFirstIncidentWall: strip(cliIncident),
    };
  } finally {
    await db.close();
  }
}

/** Fills `victims` with DELETE_ROWS CRM-like rows (two secondary indexes). */
function fillVictims(engine) {
  if (engine === 'postgres') {
    psql(
      DB,
      `DROP TABLE IF EXISTS victims; CREATE TABLE victims (id int PRIMARY KEY, name text, email text, amount numeric(12,2), created_at timestamptz, notes text, owner int, deleted smallint DEFAULT 0);
       CREATE INDEX victims_email ON victims (email); CREATE INDEX victims_owner ON victims (owner);
       INSERT INTO victims SELECT g, 'Name ' || g, 'user' || g || '@example.com', g * 1.5, now() - g * interval '1 minute', repeat('x', 100), g % 50, 0 FROM generate_series(1, ${DELETE_ROWS}) g;`,
    );
    psql(DB, 'VACUUM ANALYZE victims');
    psql(DB, 'CHECKPOINT');
  } else {
    mysqlc(
      DB,
      `DROP TABLE IF EXISTS victims; CREATE TABLE victims (id int PRIMARY KEY, name varchar(100), email varchar(100), amount decimal(12,2), created_at datetime(6), notes text, owner int, deleted tinyint DEFAULT 0,
         KEY victims_email (email), KEY victims_owner (owner)) ENGINE=InnoDB;
       INSERT INTO victims SELECT seq, CONCAT('Name ', seq), CONCAT('user', seq, '@example.com'), seq * 1.5, NOW(6) - INTERVAL seq MINUTE, REPEAT('x', 100), seq % 50, 0 FROM seq_1_to_${DELETE_ROWS};
       ANALYZE TABLE victims;`,
    );
  }
}

async function overhead(engine, { audit, openDb, parseTargetUrl }, log) {
  const url = `${engine === 'postgres' ? PG_ADMIN : MY_ADMIN}/${DB}`;
  const db = await openDb(parseTargetUrl(url), { readOnly: false, interactive: false, poolSize: 1 });
  const bulk = { without: [], with: [] };
  const single = { without: [], with: [] };
  try {
    for (let run = 0; run < Math.max(3, Math.ceil(RUNS / 2)); run++) {
      for (const mode of run % 2 ? ['with', 'without'] : ['without', 'with']) {
        fillVictims(engine);
        if (mode === 'with') await audit.installTriggerAudit(db, { tables: ['victims'] });
        single[mode].push(
          (
            await timeIt(async () => {
              for (let i = 1; i <= 1000; i++) await db.query(`DELETE FROM victims WHERE id = ${i}`);
            })
          ).ms,
        );
        bulk[mode].push((await timeIt(() => db.query('DELETE FROM victims'))).ms);
        if (mode === 'with') await audit.uninstallTriggerAudit(db, { tables: ['victims'] });
        log(`${engine}: overhead run ${run + 1} ${mode} triggers: bulk ${Math.round(bulk[mode].at(-1))} ms`);
      }
    }
  } finally {
    await db.close();
  }
  const m = (xs) => ms(median(xs));
  return {
    bulkDeleteRows: DELETE_ROWS - 1000,
    bulkWithoutMs: m(bulk.without),
    bulkWithMs: m(bulk.with),
    bulkRatio: Math.round((median(bulk.with) / median(bulk.without)) * 100) / 100,
    singleRowDeletes: 1000,
    singleWithoutMs: m(single.without),
    singleWithMs: m(single.with),
    singleRatio: Math.round((median(single.with) / median(single.without)) * 100) / 100,
    runs: bulk.with.length,
  };
}

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function summary(data, load) {
  const row = (label, f) => `| ${label} | ${ENGINES.map((e) => (data[e] ? f(data[e]) : '–')).join(' | ')} |`;
  const t = (x) => `${x.medianMs} ms`;
  return [
    `Audit log of ${ROWS.toLocaleString('en-US')} rows (background by 5,000 users over 60 days + ${BURSTS} incidents of ${BURST_ROWS} rows), with the indexes \`audit install\` creates; medians of ${RUNS} runs after a warm-up, in-process API calls (the CLI adds start-up, introspection and the EXPLAIN check: last row). Target: first page < 200 ms; trigger overhead < 2x.`,
    '',
    `Load average (1/5/15 min, ${cpus().length} cores) at the start: ${load.start}; at the end: ${load.end}. The machine was shared with other work: wall times include waiting for the CPU.`,
    '',
    `| | ${ENGINES.join(' | ')} |`,
    `|---|${ENGINES.map(() => '---').join('|')}|`,
    row('`audit deletions` first page (50)', (d) => t(d.pages.deletionsFirstPage)),
    row('second page (keyset cursor)', (d) => t(d.pages.deletionsSecondPage)),
    row('first page, `--table calls`', (d) => t(d.pages.deletionsFirstPageTable)),
    row('first page, `--user` (rare user, no index)', (d) => t(d.pages.deletionsFirstPageRareUser)),
    row('`audit incidents`, newest 1', (d) => t(d.pages.incidentsNewest1)),
    row('`audit incidents`, newest 5 (8 days back, 1 run)', (d) => t(d.pages.incidentsNewest5)),
    row('`audit incidents`, newest 20 (38 days back, 1 run)', (d) => t(d.pages.incidentsNewest20)),
    row('timeline, 7 days by hour', (d) => t(d.pages.timelineWeekByHour)),
    row('CLI `audit deletions --limit 50 --json`, wall', (d) => t(d.pages.cliDeletionsWall)),
    row('CLI `audit incidents`, wall until the first incident is printed', (d) =>
      d.pages.cliFirstIncidentWall ? t(d.pages.cliFirstIncidentWall) : 'not measured',
    ),
    row(`DELETE of ${(DELETE_ROWS - 1000).toLocaleString('en-US')} rows, no triggers`, (d) => `${d.overhead.bulkWithoutMs} ms`),
    row('same, with the trigger audit', (d) => `${d.overhead.bulkWithMs} ms (${d.overhead.bulkRatio}x)`),
    row('1,000 single-row DELETEs, no triggers', (d) => `${d.overhead.singleWithoutMs} ms`),
    row('same, with the trigger audit', (d) => `${d.overhead.singleWithMs} ms (${d.overhead.singleRatio}x)`),
  ].join('\n');
}

/** The benchmark, as bench/run.mjs calls it. */
export default async function run(ctx) {
  const deps = await api();
  const data = {};
  const load = { start: loadavg(), end: '' };
  for (const engine of ENGINES) {
    createDatabase(engine);
    try {
      const pages = await firstPages(engine, deps, ctx.log);
      const over = await overhead(engine, deps, ctx.log);
      data[engine] = { pages, overhead: over };
    } finally {
      dropDatabase(engine);
    }
  }
  load.end = loadavg();
  data.loadAverage = load;
  return { data, summaryMarkdown: summary(data, load) };
}

// Runnable alone: writes bench/results/audit.json like the runner does.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const startedAt = new Date();
  const { data, summaryMarkdown } = await run({ log: (m) => process.stderr.write(`[bench] audit: ${m}\n`) });
  const finishedAt = new Date();
  mkdirSync(join(root, 'bench', 'results'), { recursive: true });
  const c = cpus();
  const result = {
    name: 'audit',
    title,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationSeconds: Math.round((finishedAt - startedAt) / 1000),
    machine: { cpus: c.length, cpuModel: c[0]?.model ?? '?', memoryGB: Math.round(totalmem() / 1e8) / 10, node: process.version },
    summaryMarkdown,
    data,
  };
  writeFileSync(join(root, 'bench', 'results', 'audit.json'), `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${summaryMarkdown}\n`);
}
