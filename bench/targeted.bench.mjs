// Targeted recovery benchmark (issue #19): "recovery time that grows with the rows lost, not with
// the table". Per engine (PostgreSQL, MariaDB) and size (1M and 10M rows of a SuiteCRM-like
// `contacts` table), in a database created for the run and dropped after:
//
//   1. seed on the server (generate_series / seq_1_to_N), `crm-rescue audit install --tables
//      contacts`, `crm-rescue backup` into a temporary CRM_RESCUE_HOME, then the incident: the rows
//      of one assigned user (1% of the table: 100 users) deleted in one statement by one app user,
//      which the trigger audit records;
//   2. the incident's keys from the trigger audit: `audit deletions --table contacts --user U
//      --limit 0 --json` into keys.ndjson (timed too, not part of the ways back);
//   3. three ways back, each timed from start to verified merge, each followed by a check that
//      live holds exactly what it held before the incident (count and an order-independent
//      checksum of every column), then the same incident DELETE again before the next way:
//        targeted  `merge --backup ID --table contacts --keys-from keys.ndjson --deleted --apply`,
//                  staging included (every staging namespace dropped before the run);
//        full      the same with `--whole-table` (today's path: stage the whole table, then
//                  merge); while `merge --help` does not list that flag, the default is still the
//                  full path, which refuses --keys-from with --deleted: both ways then run
//                  `--keys-from keys.ndjson` alone and measure the same code;
//        floor     by hand: the backup's contacts into a scratch schema / database with the plain
//                  client, then one anti-join INSERT … SELECT (the scratch load is timed too).
//
// Wall time: median of RUNS runs, the order of the three ways rotated between runs. RSS: the peak
// of the summed RSS of the client process tree (crm-rescue and its children, or pg_restore / zcat
// and psql / mysql for the floor), sampled every 20 ms (ctx.measure).
//
// Knobs: BENCH_TARGETED_ROWS (1000000,10000000), BENCH_TARGETED_ENGINES (postgres,mysql),
// BENCH_TARGETED_RUNS (default: 3 below 5M rows, 1 from 5M). Seeding 10M rows alone took 265 s
// (PostgreSQL) and 433 s (MariaDB) on the shared 2-core machine at load 5–8, so the default run
// takes well over 25 minutes: BENCH_TARGETED_ROWS=1000000 for a quick one.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { myHostArgs, pgHostArgs, sqlRun } from './clients.mjs';
import { codeVersion, dropDb, createDb, median, r2, urlOf } from './stage-diff.bench.mjs';

export const title = 'Targeted recovery: time that grows with the rows lost, not with the table (issue #19)';

const SIZES = (process.env.BENCH_TARGETED_ROWS ?? '1000000,10000000').split(',').filter(Boolean).map(Number);
const ENGINES = (process.env.BENCH_TARGETED_ENGINES ?? 'postgres,mysql').split(',').filter(Boolean);
const runsFor = (rows) => (process.env.BENCH_TARGETED_RUNS ? Number(process.env.BENCH_TARGETED_RUNS) : rows >= 5_000_000 ? 1 : 3);
const TARGETS = { targetedSecondsAt1M: 3, targetedGrowth10x: 2, rssGrowth: 1.25 };
/** 100 assigned users: one user's rows are the 1% the incident deletes. */
const USERS = 100;
const VICTIM = 42;
/** The app user the trigger audit names for the incident. */
const DELETER = 'bench.deleter';
const SCRATCH = 'crb_floor';
const sh = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

// ---------------------------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------------------------

/**
 * SuiteCRM's create_guid() starts its ids with the hex of the current time, so ids roughly follow
 * insertion order; the same shape here (8 hex digits of the row number, then md5 digits) lets
 * both engines load 10M rows in key order, without a sort, while the rows of one user are still
 * scattered over the whole key range.
 */
const pgId = (i) =>
  `lpad(to_hex(${i}),8,'0')||'-'||substr(md5(${i}::text),9,4)||'-4'||substr(md5(${i}::text),14,3)||'-'||substr(md5(${i}::text),17,4)||'-'||substr(md5(${i}::text),21,12)`;
const myId = (i) =>
  `CONCAT(LPAD(LOWER(HEX(${i})),8,'0'),'-',SUBSTR(MD5(${i}),9,4),'-4',SUBSTR(MD5(${i}),14,3),'-',SUBSTR(MD5(${i}),17,4),'-',SUBSTR(MD5(${i}),21,12))`;
const pgUser = (k) => `md5('user'||(${k}))::uuid::text`;
const myUser = (k) => `INSERT(INSERT(INSERT(INSERT(MD5(CONCAT('user',${k})),9,0,'-'),14,0,'-'),19,0,'-'),24,0,'-')`;

/** The victim's assigned_user_id (the same on both engines). */
const victimId = (engine, db) => sqlRun(engine, db, `SELECT ${engine === 'postgres' ? pgUser(VICTIM) : myUser(VICTIM)}`).trim();

const COLUMNS_SQL = (engine) => {
  const ts = engine === 'postgres' ? 'timestamp' : 'datetime';
  const flag = engine === 'postgres' ? 'smallint' : 'tinyint(1)';
  return `id char(36) NOT NULL, date_entered ${ts}, date_modified ${ts}, modified_user_id char(36), created_by char(36), description text,
    deleted ${flag} NOT NULL DEFAULT 0, assigned_user_id char(36), salutation varchar(255), first_name varchar(100), last_name varchar(100), title varchar(100),
    department varchar(255), do_not_call ${flag} DEFAULT 0, phone_work varchar(100), phone_mobile varchar(100), email1 varchar(100),
    primary_address_street varchar(150), primary_address_city varchar(100), primary_address_state varchar(100), primary_address_postalcode varchar(20),
    primary_address_country varchar(255), lead_source varchar(255), birthdate date`;
};

/** Rows lo..hi of the table as one INSERT … SELECT (identical content on both engines). */
function insertRows(engine, lo, hi) {
  if (engine === 'postgres')
    return `INSERT INTO contacts SELECT ${pgId('i')}, timestamp '2015-01-01' + i * interval '10 seconds', timestamp '2015-01-01' + i * interval '13 seconds',
      ${pgUser(`i % ${USERS} + 1`)}, ${pgUser(`i % ${USERS - 1}`)}, CASE WHEN i % 4 = 0 THEN 'Note '||i||': met at the trade fair, wants a quote for the renewal; call back after the budget review. ' || repeat('Follow-up. ', i % 5) END,
      0, ${pgUser(`i % ${USERS}`)}, (ARRAY['Mr.','Ms.','Dr.',NULL])[1 + i % 4], 'First'||(i % 997), 'Last'||(i % 1009), 'Title '||(i % 50),
      'Dept '||(i % 20), (i % 17 = 0)::int, '+1-555-'||lpad((i % 10000)::text,4,'0'), CASE WHEN i % 3 = 0 THEN NULL ELSE '+1-666-'||lpad((i % 9999)::text,4,'0') END, 'user'||i||'@example.com',
      i||' Main Street', 'City '||(i % 500), 'State '||(i % 50), lpad((i % 99999)::text,5,'0'),
      (ARRAY['USA','Germany','France','Spain','Brazil'])[1 + i % 5], (ARRAY['Web','Cold Call','Email','Partner'])[1 + i % 4], date '1960-01-01' + (i % 15000)
      FROM generate_series(${lo}, ${hi}) i`;
  return `INSERT INTO contacts SELECT ${myId('seq')}, TIMESTAMP'2015-01-01 00:00:00' + INTERVAL seq*10 SECOND, TIMESTAMP'2015-01-01 00:00:00' + INTERVAL seq*13 SECOND,
      ${myUser(`seq % ${USERS} + 1`)}, ${myUser(`seq % ${USERS - 1}`)}, IF(seq % 4 = 0, CONCAT('Note ',seq,': met at the trade fair, wants a quote for the renewal; call back after the budget review. ', REPEAT('Follow-up. ', seq % 5)), NULL),
      0, ${myUser(`seq % ${USERS}`)}, ELT(1 + seq % 4,'Mr.','Ms.','Dr.',NULL), CONCAT('First',seq % 997), CONCAT('Last',seq % 1009), CONCAT('Title ',seq % 50),
      CONCAT('Dept ',seq % 20), seq % 17 = 0, CONCAT('+1-555-',LPAD(seq % 10000,4,'0')), IF(seq % 3 = 0, NULL, CONCAT('+1-666-',LPAD(seq % 9999,4,'0'))), CONCAT('user',seq,'@example.com'),
      CONCAT(seq,' Main Street'), CONCAT('City ',seq % 500), CONCAT('State ',seq % 50), LPAD(seq % 99999,5,'0'),
      ELT(1 + seq % 5,'USA','Germany','France','Spain','Brazil'), ELT(1 + seq % 4,'Web','Cold Call','Email','Partner'), DATE'1960-01-01' + INTERVAL seq % 15000 DAY
      FROM seq_${lo}_to_${hi}`;
}

/**
 * Creates `db` with `contacts` of n rows and SuiteCRM's index on assigned_user_id. PostgreSQL: one
 * INSERT, then the keys (faster than maintaining them row by row); MariaDB: chunks of 1M rows in
 * key order into the clustered primary key (one 10M-row statement would hold its undo log until
 * the end), then the secondary index in one sorted build.
 */
export function seedContacts(engine, db, n, log = () => {}) {
  createDb(engine, db);
  if (engine === 'postgres') {
    sqlRun(
      engine,
      db,
      `SET maintenance_work_mem = '512MB';
      CREATE TABLE contacts (${COLUMNS_SQL(engine)});
      ${insertRows(engine, 1, n)};
      ALTER TABLE contacts ADD PRIMARY KEY (id);
      CREATE INDEX idx_cont_assigned ON contacts (assigned_user_id);
      VACUUM ANALYZE contacts;`,
    );
    return;
  }
  sqlRun(engine, db, `CREATE TABLE contacts (${COLUMNS_SQL(engine)}, PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`);
  const CHUNK = 1_000_000;
  for (let lo = 1; lo <= n; lo += CHUNK) {
    sqlRun(engine, db, `${insertRows(engine, lo, Math.min(n, lo + CHUNK - 1))}`);
    if (n > CHUNK) log(`seeded ${Math.min(n, lo + CHUNK - 1).toLocaleString('en')} rows`);
  }
  sqlRun(engine, db, 'ALTER TABLE contacts ADD INDEX idx_cont_assigned (assigned_user_id); ANALYZE TABLE contacts;');
}

/** The incident: every row of one assigned user, deleted in one statement by DELETER (logged by the triggers). */
function incidentDelete(engine, db, victim) {
  if (engine === 'postgres')
    sqlRun(
      engine,
      db,
      `BEGIN; SELECT set_config('crm_rescue.app_user', '${DELETER}', true); DELETE FROM contacts WHERE assigned_user_id = '${victim}'; COMMIT;
       VACUUM ANALYZE contacts;`,
    );
  else
    sqlRun(
      engine,
      db,
      `SET @crm_rescue_app_user = '${DELETER}'; DELETE FROM contacts WHERE assigned_user_id = '${victim}'; SET @crm_rescue_app_user = NULL;
       ANALYZE TABLE contacts;`,
    );
}

/**
 * The row count and an order-independent checksum of every column: PostgreSQL sums 60 bits of the
 * md5 of each row's text; MariaDB's CHECKSUM TABLE adds up a CRC of each row (NULLs included).
 */
function fingerprint(engine, db) {
  if (engine === 'postgres') {
    const [count, sum] = sqlRun(engine, db, `SELECT count(*), coalesce(sum(('x' || substr(md5(c::text), 1, 15))::bit(60)::bigint), 0) FROM contacts c`)
      .trim()
      .split('\t');
    return { count: Number(count), checksum: sum };
  }
  const count = Number(sqlRun(engine, db, 'SELECT COUNT(*) FROM contacts').trim());
  const checksum = sqlRun(engine, db, 'CHECKSUM TABLE contacts EXTENDED').trim().split('\t').pop();
  return { count, checksum };
}

// ---------------------------------------------------------------------------------------------
// The three ways back
// ---------------------------------------------------------------------------------------------

/** Whether `merge --help` lists --whole-table (the lead's flag for today's stage-everything path). */
function mergeHasWholeTable(ctx) {
  return /--whole-table/.test(execFileSync(ctx.binary, ['merge', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString());
}

/**
 * The merge argv of each way. With --whole-table known, the issue's commands; without it, the
 * keys alone: today's merge refuses --keys-from with --deleted (both select the same rows) and
 * stages the whole table either way, so both rows then measure the full path.
 */
function mergeArgs(url, backupId, keysFile, wholeTableKnown) {
  const base = ['merge', '--url', url, '--backup', backupId, '--table', 'contacts', '--keys-from', keysFile];
  const tail = ['--apply', '--yes', '--json'];
  if (!wholeTableKnown) return { targeted: [...base, ...tail], full: [...base, ...tail] };
  return { targeted: [...base, '--deleted', ...tail], full: [...base, '--deleted', '--whole-table', ...tail] };
}

/**
 * The floor, as one bash script: the backup's contacts loaded with the plain client into a scratch
 * schema (PostgreSQL: pg_restore's SQL with the table's name rewritten up to its COPY line) or a
 * scratch database (MariaDB: the table's split file without the audit trigger it carries, which
 * names the live table), then one anti-join INSERT … SELECT into live.
 */
function floorScript(engine, db, backupDir, scratch) {
  if (engine === 'postgres') {
    const psql = `psql -X -q -v ON_ERROR_STOP=1 ${pgHostArgs().join(' ')} -d ${db}`;
    return [
      'set -euo pipefail',
      `pg_restore -f - -n public -t contacts --no-owner --no-privileges ${sh(join(backupDir, 'dump'))} | sed '1,/^COPY /s/public\\.contacts/${scratch}.contacts/' | ${psql}`,
      `${psql} -c ${sh(`INSERT INTO public.contacts SELECT * FROM ${scratch}.contacts s WHERE NOT EXISTS (SELECT 1 FROM public.contacts l WHERE l.id = s.id)`)}`,
    ].join('\n');
  }
  const manifest = JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8'));
  const file = (manifest.tables ?? []).find((t) => t.name === 'contacts')?.file;
  if (!file) throw new Error(`no contacts file in ${join(backupDir, 'manifest.json')}`);
  const mysql = `mysql ${myHostArgs().join(' ')}`;
  return [
    'set -euo pipefail',
    `zcat ${sh(join(backupDir, file))} | sed '/^DELIMITER ;;$/,/^DELIMITER ;$/d' | ${mysql} ${scratch}`,
    `${mysql} ${db} -e ${sh(`INSERT INTO \`${db}\`.contacts SELECT * FROM \`${scratch}\`.contacts s WHERE NOT EXISTS (SELECT 1 FROM \`${db}\`.contacts l WHERE l.id = s.id)`)}`,
  ].join('\n');
}

/** The merge's closing JSON line (totals, its own duration, verify), without the statements. */
function mergeResult(file) {
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const last = JSON.parse(lines[lines.length - 1]);
    if (last.type !== 'result') return null;
    const { sql: _sql, tables, ...rest } = last;
    return { ...rest, tables: (tables ?? []).map(({ columns: _c, ...t }) => t), outputLines: lines.length };
  } catch {
    return null;
  }
}

async function scenario(ctx, engine, rows, wholeTableKnown) {
  const tag = engine === 'postgres' ? 'pg' : 'my';
  const db = `crb_targeted_${tag}`;
  const scratch = engine === 'postgres' ? SCRATCH : `${db}_floor`;
  const url = urlOf(engine, db);
  const home = ctx.tmpdir();
  const env = { CRM_RESCUE_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'cfg') };
  const log = (m) => ctx.log(`${engine} ${rows.toLocaleString('en')}: ${m}`);
  const cliEnv = (args) => {
    try {
      return execFileSync(ctx.binary, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
    } catch (err) {
      throw new Error(`crm-rescue ${args.join(' ')} failed: ${String(err.stderr ?? err.message).slice(-2000)}`);
    }
  };
  const dropScratch = () =>
    engine === 'postgres' ? sqlRun(engine, db, `DROP SCHEMA IF EXISTS ${scratch} CASCADE; CREATE SCHEMA ${scratch}`) : createDb(engine, scratch);
  const timed = (fn) => {
    const t = Date.now();
    fn();
    return r2((Date.now() - t) / 1000);
  };
  const out = { engine, rows, runs: runsFor(rows) };
  const stagings = new Set();
  try {
    out.seedSeconds = timed(() => seedContacts(engine, db, rows, log));
    log(`seeded in ${out.seedSeconds} s`);
    out.auditInstallSeconds = timed(() => cliEnv(['audit', 'install', '--url', url, '--tables', 'contacts', '--yes', '--json']));
    let manifest;
    out.backupSeconds = timed(() => (manifest = JSON.parse(cliEnv(['backup', '--url', url, '--json']))));
    const backupDir = join(env.CRM_RESCUE_HOME, 'backups', manifest.id);
    log(`audit install ${out.auditInstallSeconds} s, backup ${manifest.id} in ${out.backupSeconds} s`);
    const before = fingerprint(engine, db);
    if (before.count !== rows) throw new Error(`seeded ${before.count} rows, expected ${rows}`);
    const victim = victimId(engine, db);
    out.incidentDeleteSeconds = timed(() => incidentDelete(engine, db, victim));
    out.lost = rows - fingerprint(engine, db).count;
    log(`incident: ${out.lost} rows deleted by ${DELETER} in ${out.incidentDeleteSeconds} s`);

    const keysFile = join(home, 'keys.ndjson');
    const keysArgs = ['audit', 'deletions', '--url', url, '--table', 'contacts', '--user', DELETER, '--limit', '0', '--json', '--no-images'];
    const km = await ctx.measure('bash', ['-c', `exec ${sh(ctx.binary)} ${keysArgs.map(sh).join(' ')} > ${sh(keysFile)}`], { env });
    if (km.exitCode !== 0) throw new Error(`audit deletions failed (exit ${km.exitCode}): ${km.stderrTail}`);
    const keyCount = readFileSync(keysFile, 'utf8').trim().split('\n').filter(Boolean).length;
    if (keyCount !== out.lost) throw new Error(`audit deletions listed ${keyCount} keys, the incident deleted ${out.lost} rows`);
    out.keys = { count: keyCount, wallSeconds: r2(km.wallSeconds), peakTreeRssMB: km.peakTreeRssMB, bytes: statSync(keysFile).size };
    log(`${keyCount} keys from the trigger audit in ${out.keys.wallSeconds} s`);

    const merges = mergeArgs(url, manifest.id, keysFile, wholeTableKnown);
    const mergeOut = join(home, 'merge.ndjson');
    const floor = floorScript(engine, db, backupDir, scratch);
    const ways = {
      targeted: () => ctx.measure('bash', ['-c', `exec ${sh(ctx.binary)} ${merges.targeted.map(sh).join(' ')} > ${sh(mergeOut)}`], { env }),
      full: () => ctx.measure('bash', ['-c', `exec ${sh(ctx.binary)} ${merges.full.map(sh).join(' ')} > ${sh(mergeOut)}`], { env }),
      floor: () => ctx.measure('bash', ['-c', floor], { env }),
    };
    out.commands = {
      targeted: `crm-rescue ${merges.targeted.join(' ')}`,
      full: `crm-rescue ${merges.full.join(' ')}`,
      floor,
      keys: `crm-rescue ${keysArgs.join(' ')} > keys.ndjson`,
    };
    const names = Object.keys(ways);
    const got = Object.fromEntries(names.map((n) => [n, []]));
    const results = Object.fromEntries(names.map((n) => [n, []]));
    for (let i = 0; i < out.runs; i++) {
      // Rotated so that no way always runs right after the seed or after the same other way.
      const order = names.map((_, j) => names[(i + j) % names.length]);
      for (const [j, way] of order.entries()) {
        // Staging is part of every way's time: nothing staged before any of them. The namespaces
        // are noted first, so that a failing CLI cannot leave a MariaDB staging database behind.
        const listed = JSON.parse(cliEnv(['staging', 'list', '--url', url, '--json']));
        for (const st of Array.isArray(listed) ? listed : []) stagings.add(st.namespace);
        cliEnv(['staging', 'drop', '--all', '--url', url, '--yes']);
        dropScratch();
        const m = await ways[way]();
        if (m.exitCode !== 0) throw new Error(`${way} run ${i + 1} failed (exit ${m.exitCode}): ${m.stderrTail}`);
        const after = fingerprint(engine, db);
        if (after.count !== before.count || after.checksum !== before.checksum)
          throw new Error(
            `${way} run ${i + 1}: live has ${after.count} rows (checksum ${after.checksum}), before the incident ${before.count} (${before.checksum})`,
          );
        got[way].push(m);
        if (way !== 'floor') results[way].push(mergeResult(mergeOut));
        log(`${way} run ${i + 1}: ${r2(m.wallSeconds)} s, CPU ${m.cpuSeconds} s, tree RSS ${m.peakTreeRssMB} MB; live checked`);
        if (i < out.runs - 1 || j < order.length - 1) {
          incidentDelete(engine, db, victim);
          const left = fingerprint(engine, db).count;
          if (rows - left !== out.lost) throw new Error(`the incident again deleted ${rows - left} rows, the first time ${out.lost}`);
        }
      }
    }
    out.ways = Object.fromEntries(
      names.map((n) => [
        n,
        {
          wallSeconds: got[n].map((m) => r2(m.wallSeconds)),
          medianSeconds: r2(median(got[n].map((m) => m.wallSeconds))),
          cpuSeconds: got[n].map((m) => m.cpuSeconds),
          peakTreeRssMB: Math.max(...got[n].map((m) => m.peakTreeRssMB)),
          peakProcessHwmMB: Math.max(...got[n].map((m) => m.peakProcessHwmMB)),
          ...(n !== 'floor' && {
            // The merge's own `durationSeconds` (its transaction, after staging), from its JSON.
            mergeStepMedianSeconds: r2(median(results[n].map((x) => x?.durationSeconds ?? NaN))),
            mergeResults: results[n],
          }),
        },
      ]),
    );
    return out;
  } finally {
    try {
      cliEnv(['staging', 'drop', '--all', '--url', url, '--yes']);
    } catch (err) {
      log(`dropping the staging failed: ${err.message}`);
    }
    // PostgreSQL's staging schemas go with the database; MariaDB's are databases of their own.
    for (const name of engine === 'postgres' ? [db] : [db, scratch, `crm_rescue__${db}`, ...stagings]) {
      try {
        dropDb(engine, name);
      } catch (err) {
        log(`dropping ${name} failed: ${err.message}`);
      }
    }
    rmSync(home, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

const yes = (met) => (met === null ? 'n/a' : met ? '✓' : '✗');

export default async function run(ctx) {
  const load = { start: loadavg(), end: '' };
  const wholeTableKnown = mergeHasWholeTable(ctx);
  if (!wholeTableKnown) ctx.log('merge --help does not list --whole-table: "targeted" and "full" both run today\'s whole-table path');
  const results = [];
  for (const engine of ENGINES) for (const rows of SIZES) results.push(await scenario(ctx, engine, rows, wholeTableKnown));
  load.end = loadavg();

  const lines = [
    `SuiteCRM-like \`contacts\` (char(36) ids, 24 columns, index on assigned_user_id), 100 assigned users; the incident deletes every row of one of them (1%) in one statement, logged by crm-rescue's trigger audit, whose keys (\`audit deletions --user … --limit 0 --json\`) drive the merge. Each way is timed from start to verified rows in live (staging and scratch loads included: nothing staged before), then live is checked against its state before the incident (count and a checksum of every column) and the incident is repeated. Targeted: \`merge --keys-from keys.ndjson --deleted --apply\`; full: the same with \`--whole-table\`; floor: the backup's table loaded with pg_restore / zcat | mysql into a scratch schema / database, then one anti-join \`INSERT … SELECT\`. Wall time: median of the runs (order rotated); merge step: the merge's own \`durationSeconds\` (its transaction, staging excluded); RSS: peak of the summed RSS of the client process tree (sampled every 20 ms).`,
    '',
    wholeTableKnown
      ? null
      : '**`merge --help` did not list `--whole-table` when this ran: both "targeted" and "full" ran today\'s path (`--keys-from` without `--deleted`, which today\'s merge refuses with keys).**',
    '',
    `Load average (1/5/15 min, 2 cores) at the start: ${load.start}; at the end: ${load.end}. The machine was shared with other work: wall times include waiting for the CPU.`,
    '',
    '| engine | rows | rows lost | runs | targeted (s) | full (s) | floor (s) | targeted / floor | targeted peak RSS (MB) | full peak RSS (MB) | floor peak RSS (MB) | merge step of targeted / full (s) | seed (s) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ].filter((l) => l !== null);
  for (const r of results) {
    const w = r.ways;
    lines.push(
      `| ${r.engine} | ${r.rows.toLocaleString('en')} | ${r.lost.toLocaleString('en')} | ${r.runs} | ${w.targeted.medianSeconds} | ${w.full.medianSeconds} | ${w.floor.medianSeconds} | ${r2(w.targeted.medianSeconds / w.floor.medianSeconds)} | ${w.targeted.peakTreeRssMB} | ${w.full.peakTreeRssMB} | ${w.floor.peakTreeRssMB} | ${w.targeted.mergeStepMedianSeconds} / ${w.full.mergeStepMedianSeconds} | ${r.seedSeconds} |`,
    );
  }
  lines.push('');
  const targets = [];
  for (const engine of ENGINES) {
    const mine = results.filter((r) => r.engine === engine).sort((a, b) => a.rows - b.rows);
    const at1M = mine.find((r) => r.rows === 1_000_000) ?? null;
    const small = at1M ?? mine[0];
    const large = mine.find((r) => r.rows === 10 * small.rows) ?? (mine.length > 1 ? mine[mine.length - 1] : null);
    const t1 = small.ways.targeted;
    const met1 = at1M ? at1M.ways.targeted.medianSeconds <= TARGETS.targetedSecondsAt1M : null;
    targets.push({ engine, target: 'targetedSecondsAt1M', met: met1 });
    lines.push(
      `- ${engine}: targeted at 1,000,000 rows ≤ ${TARGETS.targetedSecondsAt1M} s: ${at1M ? `${at1M.ways.targeted.medianSeconds} s` : 'not run'} ${yes(met1)}`,
    );
    if (large) {
      const growth = r2(large.ways.targeted.medianSeconds / t1.medianSeconds);
      const rss = r2(large.ways.targeted.peakTreeRssMB / t1.peakTreeRssMB);
      const sizeNote = `${large.rows.toLocaleString('en')} vs ${small.rows.toLocaleString('en')} rows`;
      targets.push({ engine, target: 'targetedGrowth', ratio: growth, met: growth <= TARGETS.targetedGrowth10x });
      targets.push({ engine, target: 'rssGrowth', ratio: rss, met: rss <= TARGETS.rssGrowth });
      lines.push(`- ${engine}: targeted time ${sizeNote} ≤ ${TARGETS.targetedGrowth10x}×: ×${growth} ${yes(growth <= TARGETS.targetedGrowth10x)}`);
      lines.push(
        `- ${engine}: targeted peak RSS flat, ${sizeNote} ≤ ${TARGETS.rssGrowth}×: ${t1.peakTreeRssMB} → ${large.ways.targeted.peakTreeRssMB} MB (×${rss}) ${yes(rss <= TARGETS.rssGrowth)}`,
      );
    } else {
      lines.push(`- ${engine}: growth and RSS targets need two sizes: not run`);
    }
  }
  // The commands as run, with placeholders for what differs between runs (URL, backup id, files).
  const generic = (c) =>
    c
      .replace(/--url \S+/, '--url URL')
      .replace(/--backup \S+/, '--backup ID')
      .replace(/--keys-from \S+/, '--keys-from keys.ndjson')
      .replace(/'[^']*\/backups\/[^/']+\//g, "'BACKUP/");
  lines.push('', "Commands (`keys.ndjson` from the trigger audit, `BACKUP`: the backup's folder in the catalog):", '');
  for (const engine of ENGINES) {
    const r = results.find((x) => x.engine === engine);
    if (!r) continue;
    lines.push(`- ${engine} keys: \`\` ${generic(r.commands.keys)} \`\``);
    lines.push(`- ${engine} targeted: \`\` ${generic(r.commands.targeted)} \`\``);
    lines.push(`- ${engine} full: \`\` ${generic(r.commands.full)} \`\``);
    for (const step of r.commands.floor.split('\n').filter((l) => !l.startsWith('set '))) lines.push(`- ${engine} floor: \`\` ${generic(step)} \`\``);
  }
  return {
    data: { code: codeVersion(ctx.root), wholeTableKnown, sizes: SIZES, engines: ENGINES, targets: TARGETS, targetResults: targets, load, results },
    summaryMarkdown: lines.join('\n'),
  };
}
