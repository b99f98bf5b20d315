// No backup (issue #17): deleted rows staged from the binary log (MariaDB) and from dead tuples
// (PostgreSQL), measured against the raw tools in the same run.
//
//   1. Binary log: a private MariaDB (--log-bin, ROW; the shared server runs with the log off and
//      must not be reconfigured) holds `contacts` of ROWS rows (the rows of stage-diff.bench.mjs);
//      crm-rescue backup; RESET MASTER so that the log holds only what follows; every row
//      deleted in one statement; FLUSH BINARY LOGS. Then:
//        ours  `crm-rescue stage --backup binlog --table contacts` (the server's files, fetched as
//              a replica would, decoded and staged) and the same with `--binlog-file` (the local
//              files: no fetch);
//        decode `node bench/no-backup-read.mjs binlog …`: our reading alone (both passes over the
//              local files, every image decoded, text columns as strings), what mariadb-binlog does;
//        raw   `mariadb-binlog -v <the same files> > /dev/null` (target: decode ≤ 1.5× raw);
//        own   `crm-rescue stage --backup <the backup taken before the delete>` (staging from the
//              log vs staging the same rows from a backup: shown, no target).
//   2. Dead tuples, on the shared PostgreSQL: `contacts` of ROWS rows; `crm-rescue protect` (pauses
//      autovacuum) before every row is deleted; then
//        ours  `crm-rescue stage --backup dead-tuples --table contacts --dead-tuples-via pageinspect`
//              and `… --dead-tuples-via pg_dirtyread`;
//        read  `node bench/no-backup-read.mjs pageinspect …`: our reading alone (raw pages decoded
//              and copied into an unlogged table), what the raw CTAS does;
//        raw   `CREATE TABLE x AS SELECT <cols> FROM pg_dirtyread('contacts') AS t(dead boolean, xmax xid, …)
//              WHERE dead OR xmax::text <> '0'`
//              (target: read ≤ 1.5× raw; the whole stage is shown beside it).
//   3. Peak RSS of our stages at ROWS and RSS_SCALE × ROWS deleted rows (target: growth ≤ 1.25×).
//
// One run of each (the machine is shared; CPU time is shown beside wall time). Every database,
// staging namespace, catalog and the private server (stopped, its folder removed) are cleaned up,
// also on failure.
//
// Knobs: BENCH_NB_ROWS (1000000), BENCH_NB_RSS_SCALE (3; 0 skips step 3).
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ok, sh$, sqlRun } from './clients.mjs';
import { cli, codeVersion, createContactsDb, dropDb, PG_ADMIN, r2 } from './stage-diff.bench.mjs';

export const title = 'No backup: deleted rows from the binary log (MariaDB) and dead tuples (PostgreSQL) vs the raw tools';

const ROWS = Number(process.env.BENCH_NB_ROWS ?? 1_000_000);
const RSS_SCALE = Number(process.env.BENCH_NB_RSS_SCALE ?? 3);
const TARGETS = { binlogVsRaw: 1.5, deadVsRaw: 1.5, rssGrowth: 1.25 };
const sh = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const READER = fileURLToPath(new URL('./no-backup-read.mjs', import.meta.url));
/** Node as bin/crm-rescue starts it. */
const NODE_ARGS = ['--max-semi-space-size=2', READER];

// ---------------------------------------------------------------------------------------------
// A private MariaDB with the binary log on (the minimal part of test/helpers/private-mariadb.ts)
// ---------------------------------------------------------------------------------------------

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts mariadbd on its own datadir, socket, port and tmpdir; `stop()` ends it and removes its folder. */
async function startPrivateMariaDb(log) {
  const dir = mkdtempSync(join(tmpdir(), 'crm-rescue-bench-mariadb-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'mysqld.sock');
  // --tmpdir in our folder, for install-db as for the server: a MariaDB start deletes every #sql*
  // file of its tmpdir, which in the shared /tmp are the shared server's live temporary tables.
  const install =
    await sh$`mariadb-install-db --no-defaults --datadir=${datadir} --tmpdir=${dir} --auth-root-authentication-method=normal --skip-test-db --skip-name-resolve`;
  if (install.exitCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`mariadb-install-db failed: ${install.stderr.slice(-2000)}`);
  }
  const port = await freePort();
  const args = [
    '--no-defaults',
    `--datadir=${datadir}`,
    `--socket=${socket}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    `--log-error=${join(dir, 'error.log')}`,
    `--tmpdir=${dir}`,
    `--log-bin=${join(dir, 'binlog')}`,
    '--binlog-format=ROW',
    '--server-id=1',
    '--skip-name-resolve',
    // Enough for a million-row delete in one transaction without thrashing; durability off.
    '--innodb-buffer-pool-size=256M',
    '--innodb-log-file-size=256M',
    '--skip-innodb-doublewrite',
    '--innodb-flush-log-at-trx-commit=0',
    '--sync-binlog=0',
    '--max-allowed-packet=64M',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    ...(process.getuid?.() === 0 ? ['--user=root'] : []),
  ];
  const child = spawn('mariadbd', args, { stdio: 'ignore' });
  let exited = false;
  const exit = new Promise((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await exit;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const sql = (text, db = null) => ok(sh$({ sync: true, input: text })`mysql --no-defaults --socket=${socket} -uroot -B -N ${db ? [db] : []}`, 'mysql').stdout;
  for (let i = 0; ; i++) {
    if (exited) {
      await stop();
      throw new Error('mariadbd exited while starting');
    }
    if ((await sh$`mariadb-admin --no-defaults --socket=${socket} -uroot ping`).exitCode === 0) break;
    if (i > 600) {
      await stop();
      throw new Error(`mariadbd did not answer on ${socket}`);
    }
    await sleep(100);
  }
  log(`private MariaDB up on port ${port} (${dir})`);
  return { url: `mysql://root@127.0.0.1:${port}`, dir, socket, sql, stop };
}

const myUuid = (expr) => `INSERT(INSERT(INSERT(INSERT(MD5(${expr}),9,0,'-'),14,0,'-'),19,0,'-'),24,0,'-')`;

/** The contacts of stage-diff.bench.mjs's createContactsDb (whose client is bound to the shared server), on the private one. */
function createMyContacts(m, db, n) {
  m.sql(`DROP DATABASE IF EXISTS \`${db}\`; CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4; USE \`${db}\`;
    CREATE TABLE contacts (id char(36) PRIMARY KEY, salutation varchar(255), first_name varchar(100), last_name varchar(100), title varchar(100), department varchar(255),
      email varchar(100), phone_work varchar(100), phone_mobile varchar(100), primary_address_street varchar(150), primary_address_city varchar(100), primary_address_postalcode varchar(20),
      account_id char(36), assigned_user_id char(36), description text, lead_source varchar(255), birthdate date, do_not_call tinyint(1) DEFAULT 0,
      date_entered datetime, date_modified datetime, deleted tinyint(1) NOT NULL DEFAULT 0);
    INSERT INTO contacts SELECT ${myUuid('seq')}, ELT(1+seq%4,'Mr.','Ms.','Dr.',NULL), CONCAT('First',seq%997), CONCAT('Last',seq%1009), CONCAT('Title ',seq%50), CONCAT('Dept ',seq%20),
      CONCAT('user',seq,'@example.com'), CONCAT('+1-555-',LPAD(seq%10000,4,'0')), IF(seq%3=0,NULL,CONCAT('+1-666-',LPAD(seq%9999,4,'0'))), CONCAT(seq,' Main Street'), CONCAT('City ',seq%500), LPAD(seq%99999,5,'0'),
      ${myUuid(`CONCAT('a',1+seq%${Math.max(1, Math.round(n / 100))})`)}, ${myUuid("CONCAT('u',seq%10)")}, IF(seq%5=0, REPEAT(CONCAT('note ',seq,' '),8), NULL), ELT(1+seq%4,'Web','Cold Call','Email','Partner'), DATE'1960-01-01' + INTERVAL seq%15000 DAY, seq%17=0,
      TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq MINUTE, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND, 0 FROM seq_1_to_${n}
      ORDER BY 1;
    ANALYZE TABLE contacts;`);
}

// ---------------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------------

async function once(ctx, label, cmd, args) {
  const m = await ctx.measure(cmd, args);
  if (m.exitCode !== 0) throw new Error(`${label} failed (exit ${m.exitCode}): ${m.stderrTail}`);
  ctx.log(`${label}: ${r2(m.wallSeconds)} s wall, ${m.cpuSeconds} s CPU, tree RSS ${m.peakTreeRssMB} MB, largest process ${m.peakProcessHwmMB} MB`);
  return { seconds: r2(m.wallSeconds), cpuSeconds: m.cpuSeconds, peakTreeRssMB: m.peakTreeRssMB, peakProcessHwmMB: m.peakProcessHwmMB };
}

/** The staging namespace of a backup id on a target, from `staging list --json`. */
function stagingNs(ctx, url, id) {
  const out = JSON.parse(cli(ctx, ['staging', 'list', '--url', url, '--json']));
  const list = Array.isArray(out) ? out : (out.stagings ?? out.items ?? []);
  return list.find((x) => x.backupId === id)?.namespace ?? null;
}

function dropStage(ctx, url, id) {
  try {
    cli(ctx, ['staging', 'drop', id, '--url', url, '--yes']);
  } catch {
    /* nothing staged */
  }
}

/** Stages `id`, counts the rows staged, drops the staging again. */
async function stageMeasured(ctx, label, url, id, extra, count) {
  dropStage(ctx, url, id);
  try {
    const m = await once(ctx, label, ctx.binary, ['stage', '--url', url, '--backup', id, '--table', 'contacts', '--json', ...extra]);
    const ns = stagingNs(ctx, url, id);
    m.rows = ns ? count(ns) : null;
    return m;
  } finally {
    dropStage(ctx, url, id);
  }
}

// ---------------------------------------------------------------------------------------------
// Scenarios
// ---------------------------------------------------------------------------------------------

async function binlogScenario(ctx, m, n, full) {
  const db = `crb_nb_my_${n}`;
  const url = `${m.url}/${db}`;
  const dir = ctx.tmpdir();
  const log = (s) => ctx.log(`binlog ${n}: ${s}`);
  const count = (ns) => Number(m.sql(`SELECT COUNT(*) FROM \`${ns}\`.contacts`).trim());
  const res = { rows: n };
  try {
    let t0 = Date.now();
    createMyContacts(m, db, n);
    log(`created in ${Math.round((Date.now() - t0) / 1000)} s`);
    let backupId = null;
    if (full) backupId = JSON.parse(cli(ctx, ['backup', '--url', url, '--dir', dir, '--json'])).id;
    // The log holds the delete only: the window both sides read.
    m.sql('RESET MASTER');
    t0 = Date.now();
    m.sql(`DELETE FROM \`${db}\`.contacts; FLUSH BINARY LOGS;`);
    log(`deleted in ${Math.round((Date.now() - t0) / 1000)} s`);
    const files = readdirSync(m.dir)
      .filter((f) => /^binlog\.\d{6,}$/.test(f))
      .sort()
      .map((f) => join(m.dir, f));
    res.binlogMB = r2(files.reduce((a, f) => a + statSync(f).size, 0) / 1e6);
    res.binlogFiles = files.length;
    res.ours = await stageMeasured(ctx, `binlog ${n} ours (server's files)`, url, 'binlog', [], count);
    if (!full) return res;
    res.oursLocal = await stageMeasured(ctx, `binlog ${n} ours (--binlog-file)`, url, 'binlog', ['--binlog-file', ...files], count);
    res.raw = await once(ctx, `binlog ${n} mariadb-binlog -v > /dev/null`, 'bash', ['-c', `mariadb-binlog -v ${files.map(sh).join(' ')} > /dev/null`]);
    res.decode = await once(ctx, `binlog ${n} our decoding alone`, process.execPath, [...NODE_ARGS, 'binlog', url, 'contacts', ...files]);
    res.ratioDecode = r2(res.decode.seconds / res.raw.seconds);
    res.ratioDecodeCpu = r2(res.decode.cpuSeconds / res.raw.cpuSeconds);
    res.own = await stageMeasured(ctx, `binlog ${n} stage own backup`, url, backupId, ['--dir', dir], count);
    res.ratioOwn = r2(res.ours.seconds / res.own.seconds);
    res.ratio = r2(res.ours.seconds / res.raw.seconds);
    res.ratioLocal = r2(res.oursLocal.seconds / res.raw.seconds);
    res.ratioCpu = r2(res.ours.cpuSeconds / res.raw.cpuSeconds);
    return res;
  } finally {
    try {
      m.sql(`DROP DATABASE IF EXISTS \`${db}\``);
    } catch {
      /* best effort */
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

async function deadScenario(ctx, n, full) {
  const db = `crb_nb_pg_${n}`;
  const url = `${PG_ADMIN}/${db}`;
  const log = (s) => ctx.log(`dead tuples ${n}: ${s}`);
  const count = (ns) => Number(sqlRun('postgres', db, `SELECT count(*) FROM "${ns}".contacts`).trim());
  const res = { rows: n };
  try {
    let t0 = Date.now();
    createContactsDb('postgres', db, n);
    sqlRun('postgres', db, 'CREATE EXTENSION pg_dirtyread; CREATE EXTENSION pageinspect;');
    log(`created in ${Math.round((Date.now() - t0) / 1000)} s`);
    cli(ctx, ['protect', '--url', url, '--table', 'contacts', '--yes']);
    t0 = Date.now();
    sqlRun('postgres', db, 'DELETE FROM contacts');
    log(`deleted in ${Math.round((Date.now() - t0) / 1000)} s`);
    res.pageinspect = await stageMeasured(ctx, `dead tuples ${n} ours (pageinspect)`, url, 'dead-tuples', ['--dead-tuples-via', 'pageinspect'], count);
    res.dirtyread = await stageMeasured(ctx, `dead tuples ${n} ours (pg_dirtyread)`, url, 'dead-tuples', ['--dead-tuples-via', 'pg_dirtyread'], count);
    if (!full) return res;
    const [cols, names] = sqlRun(
      'postgres',
      db,
      `SELECT string_agg(quote_ident(attname) || ' ' || format_type(atttypid, atttypmod), ', ' ORDER BY attnum), string_agg(quote_ident(attname), ', ' ORDER BY attnum)
         FROM pg_attribute WHERE attrelid = 'contacts'::regclass AND attnum > 0 AND NOT attisdropped`,
    )
      .trim()
      .split('\t');
    // Deleted = an xmax set (every row was live before the DELETE). pg_dirtyread's `dead` says
    // "surely dead", false while any older transaction holds the xmin horizon, as on a shared server.
    const raw = `CREATE TABLE raw_dead AS SELECT ${names} FROM pg_dirtyread('contacts') AS t(dead boolean, xmax xid, ${cols}) WHERE dead OR xmax::text <> '0'`;
    res.raw = await once(ctx, `dead tuples ${n} raw pg_dirtyread CTAS`, 'psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', `${PG_ADMIN}/${db}`, '-c', raw]);
    res.raw.rows = Number(sqlRun('postgres', db, 'SELECT count(*) FROM raw_dead').trim());
    res.read = await once(ctx, `dead tuples ${n} our reading alone (pageinspect)`, process.execPath, [...NODE_ARGS, 'pageinspect', url, 'public.contacts']);
    res.ratioRead = r2(res.read.seconds / res.raw.seconds);
    res.ratioReadCpu = r2(res.read.cpuSeconds / res.raw.cpuSeconds);
    res.ratio = r2(res.pageinspect.seconds / res.raw.seconds);
    res.ratioDirtyread = r2(res.dirtyread.seconds / res.raw.seconds);
    res.ratioCpu = r2(res.pageinspect.cpuSeconds / res.raw.cpuSeconds);
    return res;
  } finally {
    try {
      dropDb('postgres', db);
    } catch {
      /* best effort */
    }
  }
}

export default async function run(ctx) {
  const data = { code: codeVersion(ctx.root), rows: ROWS, rssScale: RSS_SCALE, targets: TARGETS, binlog: null, dead: null, rss: null };
  const m = await startPrivateMariaDb(ctx.log);
  try {
    data.mariadb = m.sql('SELECT VERSION()').trim();
    data.binlog = await binlogScenario(ctx, m, ROWS, true);
    data.dead = await deadScenario(ctx, ROWS, true);
    if (RSS_SCALE > 0) {
      const big = Math.round(ROWS * RSS_SCALE);
      const bl = await binlogScenario(ctx, m, big, false);
      const dt = await deadScenario(ctx, big, false);
      const point = (label, small, large) => ({
        label,
        small: small.peakTreeRssMB,
        large: large.peakTreeRssMB,
        largestProcessSmall: small.peakProcessHwmMB,
        largestProcessLarge: large.peakProcessHwmMB,
        secondsSmall: small.seconds,
        secondsLarge: large.seconds,
        growth: r2(large.peakTreeRssMB / small.peakTreeRssMB),
      });
      data.rss = {
        rows: [ROWS, big],
        points: [
          point('binlog (server)', data.binlog.ours, bl.ours),
          point('dead tuples (pageinspect)', data.dead.pageinspect, dt.pageinspect),
          point('dead tuples (pg_dirtyread)', data.dead.dirtyread, dt.dirtyread),
        ],
      };
      for (const p of data.rss.points) p.met = p.growth <= TARGETS.rssGrowth;
    }
  } finally {
    await m.stop();
  }
  return { data, summaryMarkdown: summarize(data) };
}

/** The README section, from a result's `data`. */
export function summarize(data) {
  const T = data.targets;
  const mark = (ok) => (ok ? 'met' : '**missed**');
  const t = (x) => `${x.seconds} s (CPU ${x.cpuSeconds} s)`;
  const b = data.binlog;
  const d = data.dead;
  const lines = [
    `Code: ${data.code ?? 'unknown'}. ${data.rows.toLocaleString('en')} contacts deleted in one statement; one run each on a shared machine (wall, and CPU of the whole process tree including psql/mysql children, not the servers).`,
    '',
    '**Reading** (the targets): what the raw tool does, nothing more.',
    '',
    '| source | ours | raw tool | ratio wall (CPU) | target |',
    '|---|---:|---:|---:|---|',
    `| binary log (${data.mariadb ?? 'MariaDB'}; ${b.binlogMB} MB of log): both passes, every image decoded | ${t(b.decode)} | mariadb-binlog -v > /dev/null: ${t(b.raw)} | ${b.ratioDecode} (${b.ratioDecodeCpu}) | ≤ ${T.binlogVsRaw}× ${mark(b.ratioDecode <= T.binlogVsRaw)} |`,
    `| dead tuples via pageinspect: pages decoded, copied into a table | ${t(d.read)} | \`CREATE TABLE … AS SELECT <cols> FROM pg_dirtyread(…) WHERE dead OR xmax ≠ 0\`: ${t(d.raw)} | ${d.ratioRead} (${d.ratioReadCpu}) | ≤ ${T.deadVsRaw}× ${mark(d.ratioRead <= T.deadVsRaw)} |`,
    '',
    '**Staging** (`crm-rescue stage … --json`: read, choose the newest version per key, load, keys), beside the same:',
    '',
    '| source | ours | compared with | ratio wall | staged rows (ours / raw) |',
    '|---|---:|---:|---:|---:|',
    `| binary log, server's files (fetched as a replica) | ${t(b.ours)} | staging the same table from a crm-rescue backup: ${t(b.own)} | ${b.ratioOwn} | ${b.ours.rows} / ${b.own.rows} |`,
    `| binary log, --binlog-file | ${t(b.oursLocal)} | same | ${r2(b.oursLocal.seconds / b.own.seconds)} | ${b.oursLocal.rows} / ${b.own.rows} |`,
    `| dead tuples via pageinspect | ${t(d.pageinspect)} | the raw CTAS above | ${d.ratio} | ${d.pageinspect.rows} / ${d.raw.rows} |`,
    `| dead tuples via pg_dirtyread | ${t(d.dirtyread)} | same | ${d.ratioDirtyread} | ${d.dirtyread.rows} / ${d.raw.rows} |`,
    '',
    'Staging does more than the raw tools: the newest version per key (dead tuples: which transaction committed, which keys are live again), then a staged table with its keys. The reading rows are the like-for-like comparison.',
  ];
  if (data.rss) {
    const [s, l] = data.rss.rows;
    lines.push(
      '',
      `Peak RSS of our stage at ${s.toLocaleString('en')} and ${l.toLocaleString('en')} deleted rows (tree RSS: crm-rescue + its client tools; target growth ≤ ${T.rssGrowth}×):`,
      '',
      '| source | tree RSS | largest process | time | growth |',
      '|---|---:|---:|---:|---:|',
    );
    for (const p of data.rss.points)
      lines.push(
        `| ${p.label} | ${p.small} → ${p.large} MB | ${p.largestProcessSmall} → ${p.largestProcessLarge} MB | ${p.secondsSmall} → ${p.secondsLarge} s | ${p.growth}× ${mark(p.met)} |`,
      );
  }
  const missed = [];
  if (!(b.ratioDecode <= T.binlogVsRaw)) missed.push(`decoding the binary log takes ${b.ratioDecode}× mariadb-binlog -v (target ${T.binlogVsRaw}×)`);
  if (!(d.ratioRead <= T.deadVsRaw))
    missed.push(`reading dead tuples through pageinspect takes ${d.ratioRead}× the raw pg_dirtyread CTAS (target ${T.deadVsRaw}×)`);
  for (const p of data.rss?.points ?? []) if (!p.met) missed.push(`peak RSS of ${p.label} grows ${p.growth}× (target ${T.rssGrowth}×)`);
  if (b.ours.rows !== data.rows || d.pageinspect.rows !== data.rows || d.dirtyread.rows !== data.rows)
    missed.push('not every deleted row was staged (see staged rows)');
  lines.push('', missed.length ? `Missed: ${missed.join('; ')}.` : 'All targets met at this size.');
  return lines.join('\n');
}
