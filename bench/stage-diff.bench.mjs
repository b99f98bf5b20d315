// Stage and diff benchmark, both engines in one run, on a SuiteCRM-like `contacts` table (char(36)
// ids, 21 columns) of ROWS rows plus an `accounts` table of ROWS/100 rows (the "1% table"):
//
//   1. back up (crm-rescue backup), then change live: 1% of contacts deleted, 1% changed (two
//      columns), 0.5% added;
//   2. `crm-rescue stage --table contacts` vs loading the same table alone with the plain client
//      into a scratch database (PostgreSQL: `pg_restore -n public -t contacts -d scratch` + the
//      primary key, the same product as staging; MySQL: `zcat <table file> | mysql scratch`);
//   3. `crm-rescue diff --format ndjson` (counts, then every differing row) vs hand-written SQL for
//      the same three classes, in two shapes: "counts + rows" (what the tool prints: counts, then
//      the rows of each class) and "one pass" (the floor: PostgreSQL one FULL JOIN returning every
//      differing row with its class; MySQL one LEFT JOIN for deleted + changed and one anti-join
//      for added). The target ratio is against the faster of the two;
//   4. `stage` of the 1% table (accounts) vs restoring the whole backup (pg_restore -j2 -d / every
//      split file | mysql);
//   5. peers on the same staged ⇄ live pair: pg_comparator (both engines), pt-table-sync --print
//      (MySQL), each capped at PEER_TIMEOUT seconds;
//   6. peak RSS of stage and diff at RSS_SIZES (the same scenario at another size).
//
// Wall time is the median of RUNS runs (order alternated; the "counts + rows" hand SQL runs once);
// RSS is
// the peak of the summed RSS of the process tree sampled every 20 ms (ctx.measure) and the
// largest single process's high-water mark. Every database, staging namespace and catalog this
// creates is removed at the end, also on failure.
//
// Knobs: BENCH_SD_ROWS (1000000), BENCH_SD_RSS_SIZES (see RSS_SIZES), BENCH_SD_RUNS (1),
// BENCH_SD_ENGINES (postgres,mysql), BENCH_SD_PEER_TIMEOUT (5.1 × our diff time), BENCH_SD_PEERS (1).
//
// Other benchmarks import the scenario helpers exported here (createContactsDb, dropDb, sqlRun…).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { myHostArgs, MY_ADMIN, pgHostArgs, PG_ADMIN, pipe, sqlRun } from './clients.mjs';

export const title = 'Stage and diff: crm-rescue stage / diff vs plain load, hand-written SQL, whole restore and peers';

export { MY_ADMIN, PG_ADMIN, sqlRun } from './clients.mjs';
const ROWS = Number(process.env.BENCH_SD_ROWS ?? 1_000_000);
/**
 * Sizes (besides ROWS) at which stage and diff run once more for their peak RSS: 3M, the
 * issue's 1M → 3M (since stage and diff stream, the whole file runs in under ten minutes on an
 * idle 2-core machine; BENCH_SD_RSS_SIZES=300000 for a quicker check).
 */
const RSS_SIZES = (process.env.BENCH_SD_RSS_SIZES ?? '3000000').split(',').filter(Boolean).map(Number);
/** 1 by default: with 2, this file takes ~40 minutes on the 2-core machine (see the summary). */
const RUNS = Number(process.env.BENCH_SD_RUNS ?? 1);
const ENGINES = (process.env.BENCH_SD_ENGINES ?? 'postgres,mysql').split(',');
/**
 * A peer is stopped after this many seconds. By default just past TARGETS.peerSpeedup × our diff
 * time: a peer still running then already makes the target met, so waiting longer decides nothing.
 */
const PEER_TIMEOUT = process.env.BENCH_SD_PEER_TIMEOUT ? Number(process.env.BENCH_SD_PEER_TIMEOUT) : null;
const PEERS = process.env.BENCH_SD_PEERS !== '0';

const TARGETS = { diffVsHand: 1.5, stageVsPlain: 1.2, smallStageVsWhole: 0.05, rssGrowth: 1.25, peerSpeedup: 5 };

// ---------------------------------------------------------------------------------------------
// Helpers shared with merge.bench.mjs
// ---------------------------------------------------------------------------------------------

/** psql / mysql argv (as one shell-quoted string) for a database, for pipelines run through bash. */
export const clientShell = (engine, db) =>
  engine === 'postgres' ? `psql -X -q -v ON_ERROR_STOP=1 ${pgHostArgs().join(' ')} -d ${db}` : `mysql ${myHostArgs().join(' ')} ${db ?? ''}`;
export const urlOf = (engine, db) => `${engine === 'postgres' ? PG_ADMIN : MY_ADMIN}/${db}`;

export function dropDb(engine, db) {
  if (engine === 'postgres') sqlRun(engine, 'postgres', `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  else sqlRun(engine, null, `DROP DATABASE IF EXISTS \`${db}\``);
}

export function createDb(engine, db) {
  dropDb(engine, db);
  if (engine === 'postgres') sqlRun(engine, 'postgres', `CREATE DATABASE ${db}`);
  else sqlRun(engine, null, `CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4`);
}

const myUuid = (expr) => `INSERT(INSERT(INSERT(INSERT(MD5(${expr}),9,0,'-'),14,0,'-'),19,0,'-'),24,0,'-')`;

/** The contacts columns other than the key, in table order. */
export const CONTACT_COLUMNS = [
  'salutation',
  'first_name',
  'last_name',
  'title',
  'department',
  'email',
  'phone_work',
  'phone_mobile',
  'primary_address_street',
  'primary_address_city',
  'primary_address_postalcode',
  'account_id',
  'assigned_user_id',
  'description',
  'lead_source',
  'birthdate',
  'do_not_call',
  'date_entered',
  'date_modified',
  'deleted',
];

/**
 * Creates database `db` with `contacts` (n rows, SuiteCRM-like: char(36) ids from md5, 21 columns,
 * a `deleted` flag) and `accounts` (n/100 rows). Identical content on both engines.
 */
export function createContactsDb(engine, db, n) {
  createDb(engine, db);
  const na = Math.max(1, Math.round(n / 100));
  if (engine === 'postgres') {
    sqlRun(
      engine,
      db,
      `
      CREATE TABLE accounts (id char(36) PRIMARY KEY, name varchar(150), industry varchar(50), billing_address_city varchar(100), date_entered timestamp, deleted smallint NOT NULL DEFAULT 0);
      INSERT INTO accounts SELECT md5('a'||i)::uuid::text, 'Account '||i, (ARRAY['retail','software','health','energy'])[1+i%4], 'City '||(i%500), timestamp '2024-01-01' + i*interval '1 minute', 0 FROM generate_series(1, ${na}) i;
      CREATE TABLE contacts (id char(36) PRIMARY KEY, salutation varchar(255), first_name varchar(100), last_name varchar(100), title varchar(100), department varchar(255),
        email varchar(100), phone_work varchar(100), phone_mobile varchar(100), primary_address_street varchar(150), primary_address_city varchar(100), primary_address_postalcode varchar(20),
        account_id char(36), assigned_user_id char(36), description text, lead_source varchar(255), birthdate date, do_not_call boolean DEFAULT false,
        date_entered timestamp, date_modified timestamp, deleted smallint NOT NULL DEFAULT 0);
      INSERT INTO contacts SELECT md5(i::text)::uuid::text, (ARRAY['Mr.','Ms.','Dr.',NULL])[1+i%4], 'First'||(i%997), 'Last'||(i%1009), 'Title '||(i%50), 'Dept '||(i%20),
        'user'||i||'@example.com', '+1-555-'||lpad((i%10000)::text,4,'0'), CASE WHEN i%3=0 THEN NULL ELSE '+1-666-'||lpad((i%9999)::text,4,'0') END, i||' Main Street', 'City '||(i%500), lpad((i%99999)::text,5,'0'),
        md5('a'||(1+i%${na}))::uuid::text, md5('u'||(i%10))::uuid::text, CASE WHEN i%5=0 THEN repeat('note '||i||' ', 8) END, (ARRAY['Web','Cold Call','Email','Partner'])[1+i%4], date '1960-01-01' + (i%15000), i%17=0,
        timestamp '2020-01-01' + i*interval '1 minute', timestamp '2024-01-01' + i*interval '1 second', 0
        FROM generate_series(1, ${n}) i;
      VACUUM ANALYZE;`,
    );
  } else {
    sqlRun(
      engine,
      db,
      `
      CREATE TABLE accounts (id char(36) PRIMARY KEY, name varchar(150), industry varchar(50), billing_address_city varchar(100), date_entered datetime, deleted tinyint(1) NOT NULL DEFAULT 0);
      INSERT INTO accounts SELECT ${myUuid("CONCAT('a',seq)")}, CONCAT('Account ',seq), ELT(1+seq%4,'retail','software','health','energy'), CONCAT('City ',seq%500), TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq MINUTE, 0 FROM seq_1_to_${na};
      CREATE TABLE contacts (id char(36) PRIMARY KEY, salutation varchar(255), first_name varchar(100), last_name varchar(100), title varchar(100), department varchar(255),
        email varchar(100), phone_work varchar(100), phone_mobile varchar(100), primary_address_street varchar(150), primary_address_city varchar(100), primary_address_postalcode varchar(20),
        account_id char(36), assigned_user_id char(36), description text, lead_source varchar(255), birthdate date, do_not_call tinyint(1) DEFAULT 0,
        date_entered datetime, date_modified datetime, deleted tinyint(1) NOT NULL DEFAULT 0);
      INSERT INTO contacts SELECT ${myUuid('seq')}, ELT(1+seq%4,'Mr.','Ms.','Dr.',NULL), CONCAT('First',seq%997), CONCAT('Last',seq%1009), CONCAT('Title ',seq%50), CONCAT('Dept ',seq%20),
        CONCAT('user',seq,'@example.com'), CONCAT('+1-555-',LPAD(seq%10000,4,'0')), IF(seq%3=0,NULL,CONCAT('+1-666-',LPAD(seq%9999,4,'0'))), CONCAT(seq,' Main Street'), CONCAT('City ',seq%500), LPAD(seq%99999,5,'0'),
        ${myUuid(`CONCAT('a',1+seq%${na})`)}, ${myUuid("CONCAT('u',seq%10)")}, IF(seq%5=0, REPEAT(CONCAT('note ',seq,' '),8), NULL), ELT(1+seq%4,'Web','Cold Call','Email','Partner'), DATE'1960-01-01' + INTERVAL seq%15000 DAY, seq%17=0,
        TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq MINUTE, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND, 0 FROM seq_1_to_${n}
        ORDER BY 1; -- in key order: InnoDB clusters by the key anyway, and random inserts are slow to build
      ANALYZE TABLE accounts, contacts;`,
    );
  }
}

/**
 * A deterministic, scattered selection of contacts: bucket(id) in [lo, hi) of 10,000 buckets
 * (hashtext on PostgreSQL, CRC32 on MySQL), so 100 buckets are 1% of the rows.
 */
export const bucketWhere = (engine, lo, hi, col = 'id') =>
  engine === 'postgres'
    ? `(abs(hashtext(${col})) % 10000) >= ${lo} AND (abs(hashtext(${col})) % 10000) < ${hi}`
    : `(CRC32(${col}) % 10000) >= ${lo} AND (CRC32(${col}) % 10000) < ${hi}`;

/** Live changes since the backup: 1% deleted, 1% changed (title, date_modified), 0.5% added. */
function mutate(engine, db, n) {
  const added = Math.round(n / 200);
  if (engine === 'postgres') {
    sqlRun(
      engine,
      db,
      `
      DELETE FROM contacts WHERE ${bucketWhere(engine, 0, 100)};
      UPDATE contacts SET title = title || ' (changed)', date_modified = date_modified + interval '1 day' WHERE ${bucketWhere(engine, 100, 200)};
      INSERT INTO contacts (id, first_name, last_name, email, date_entered, date_modified) SELECT md5(i::text)::uuid::text, 'New'||i, 'Added', 'new'||i||'@example.com', timestamp '2025-01-01', timestamp '2025-01-01' FROM generate_series(${n + 1}, ${n + added}) i;
      VACUUM ANALYZE contacts;`,
    );
  } else {
    sqlRun(
      engine,
      db,
      `
      DELETE FROM contacts WHERE ${bucketWhere(engine, 0, 100)};
      UPDATE contacts SET title = CONCAT(title, ' (changed)'), date_modified = date_modified + INTERVAL 1 DAY WHERE ${bucketWhere(engine, 100, 200)};
      INSERT INTO contacts (id, first_name, last_name, email, date_entered, date_modified) SELECT ${myUuid('seq')}, CONCAT('New',seq), 'Added', CONCAT('new',seq,'@example.com'), TIMESTAMP'2025-01-01 00:00:00', TIMESTAMP'2025-01-01 00:00:00' FROM seq_${n + 1}_to_${n + added};
      ANALYZE TABLE contacts;`,
    );
  }
}

/** Runs the built CLI and returns its stdout; throws with its stderr on failure. */
export function cli(ctx, args) {
  try {
    return execFileSync(ctx.binary, args, { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (err) {
    throw new Error(`crm-rescue ${args.join(' ')} failed: ${String(err.stderr ?? err.message).slice(-2000)}`);
  }
}

/** `crm-rescue backup` → its manifest (with the catalog folder of the backup). */
export function backup(ctx, engine, db, dir) {
  const m = JSON.parse(cli(ctx, ['backup', '--url', urlOf(engine, db), '--dir', dir, '--json']));
  return { ...m, path: join(dir, m.id) };
}

/** Drops the staging namespace of a backup (no error when there is none). */
export function dropStaging(ctx, engine, db, backupId) {
  try {
    cli(ctx, ['staging', 'drop', backupId, '--url', urlOf(engine, db), '--yes']);
  } catch (err) {
    if (!/not|no staging/i.test(String(err.message))) throw err;
  }
}

/** The staging namespace of a backup, from `staging list --json`. */
export function stagingNamespaceOf(ctx, engine, db, backupId) {
  const out = JSON.parse(cli(ctx, ['staging', 'list', '--url', urlOf(engine, db), '--json']));
  const list = Array.isArray(out) ? out : (out.stagings ?? out.items ?? []);
  const s = list.find((x) => x.backupId === backupId);
  if (!s) throw new Error(`no staging of ${backupId} in ${JSON.stringify(out).slice(0, 300)}`);
  return s.namespace;
}

/** Which code was measured: the commit of ctx.root and whether src/ or commands/ differ from it. */
export function codeVersion(root) {
  if (process.env.CRM_RESCUE_BENCH_CODE) return process.env.CRM_RESCUE_BENCH_CODE;
  try {
    const head = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--', 'src', 'commands', 'sql'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    return `${head}${dirty ? ' + uncommitted changes in src/, commands/ or sql/' : ''}`;
  } catch {
    return null;
  }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const r2 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 100) / 100);
export const r3 = (x) => (x === null || x === undefined || Number.isNaN(x) ? null : Math.round(x * 1000) / 1000);
const sh = (s) => `'${String(s).replaceAll("'", "'\\''")}'`;

/** Runs `fn` RUNS times for each side, alternating who goes first; returns the measurements. */
async function alternate(ctx, label, runs, sides) {
  const out = Object.fromEntries(Object.keys(sides).map((k) => [k, []]));
  const names = Object.keys(sides);
  for (let i = 0; i < runs; i++) {
    const order = i % 2 ? [...names].reverse() : names;
    for (const who of order) {
      const m = await sides[who]();
      if (m.exitCode !== 0) throw new Error(`${label} ${who} failed (exit ${m.exitCode}): ${m.stderrTail}`);
      ctx.log(`${label} ${who} run ${i + 1}: ${r2(m.wallSeconds)} s, tree RSS ${m.peakTreeRssMB} MB, largest process ${m.peakProcessHwmMB} MB`);
      out[who].push(m);
    }
  }
  return out;
}
const summary = (ms) => ({
  wallSeconds: ms.map((m) => r2(m.wallSeconds)),
  medianSeconds: r2(median(ms.map((m) => m.wallSeconds))),
  peakTreeRssMB: Math.max(...ms.map((m) => m.peakTreeRssMB)),
  peakProcessHwmMB: Math.max(...ms.map((m) => m.peakProcessHwmMB)),
});

// ---------------------------------------------------------------------------------------------
// Hand-written diff SQL
// ---------------------------------------------------------------------------------------------

function handSql(engine, stage, live) {
  const cols = CONTACT_COLUMNS;
  if (engine === 'postgres') {
    const S = `${stage}.contacts`;
    const L = `public.contacts`;
    const distinct = `(${cols.map((c) => `s.${c}`).join(', ')}) IS DISTINCT FROM (${cols.map((c) => `l.${c}`).join(', ')})`;
    return {
      countsAndRows: `
        SELECT count(*) FILTER (WHERE l.id IS NULL) AS deleted, count(*) FILTER (WHERE s.id IS NULL) AS added,
               count(*) FILTER (WHERE s.id IS NOT NULL AND l.id IS NOT NULL AND ${distinct}) AS changed
          FROM ${S} s FULL JOIN ${L} l ON l.id = s.id;
        SELECT s.* FROM ${S} s WHERE NOT EXISTS (SELECT 1 FROM ${L} l WHERE l.id = s.id) ORDER BY s.id;
        SELECT l.* FROM ${L} l WHERE NOT EXISTS (SELECT 1 FROM ${S} s WHERE s.id = l.id) ORDER BY l.id;
        SELECT s.*, l.* FROM ${S} s JOIN ${L} l ON l.id = s.id WHERE ${distinct} ORDER BY s.id;`,
      onePass: `
        SELECT CASE WHEN l.id IS NULL THEN 'deleted' WHEN s.id IS NULL THEN 'added' ELSE 'changed' END AS class, s.*, l.*
          FROM ${S} s FULL JOIN ${L} l ON l.id = s.id
         WHERE l.id IS NULL OR s.id IS NULL OR ${distinct};`,
    };
  }
  const S = `\`${stage}\`.contacts`;
  const L = `\`${live}\`.contacts`;
  const same = cols.map((c) => `s.${c} <=> l.${c}`).join(' AND ');
  return {
    countsAndRows: `
      SELECT COUNT(*) AS deleted FROM ${S} s LEFT JOIN ${L} l ON l.id = s.id WHERE l.id IS NULL;
      SELECT COUNT(*) AS added FROM ${L} l LEFT JOIN ${S} s ON s.id = l.id WHERE s.id IS NULL;
      SELECT COUNT(*) AS changed FROM ${S} s JOIN ${L} l ON l.id = s.id WHERE NOT (${same});
      SELECT s.* FROM ${S} s LEFT JOIN ${L} l ON l.id = s.id WHERE l.id IS NULL ORDER BY s.id;
      SELECT l.* FROM ${L} l LEFT JOIN ${S} s ON s.id = l.id WHERE s.id IS NULL ORDER BY l.id;
      SELECT s.*, l.* FROM ${S} s JOIN ${L} l ON l.id = s.id WHERE NOT (${same}) ORDER BY s.id;`,
    onePass: `
      SELECT IF(l.id IS NULL, 'deleted', 'changed') AS class, s.*, l.* FROM ${S} s LEFT JOIN ${L} l ON l.id = s.id WHERE l.id IS NULL OR NOT (${same});
      SELECT 'added' AS class, l.* FROM ${L} l LEFT JOIN ${S} s ON s.id = l.id WHERE s.id IS NULL;`,
  };
}

/** Runs a SQL file through the plain client, rows to `out` (unaligned / batch output). */
function handCommand(engine, db, file, out) {
  return engine === 'postgres'
    ? `psql -X -q -v ON_ERROR_STOP=1 -A -t ${pgHostArgs().join(' ')} -d ${db} -f ${sh(file)} > ${sh(out)}`
    : `mysql ${myHostArgs().join(' ')} -B -N ${db} < ${sh(file)} > ${sh(out)}`;
}

const lineCount = (file) => Number(pipe`wc -l < ${file}`);

// ---------------------------------------------------------------------------------------------
// One engine, one size
// ---------------------------------------------------------------------------------------------

async function scenario(ctx, engine, n, { full }) {
  const tag = engine === 'postgres' ? 'pg' : 'my';
  const db = `crb_sd_${tag}_${n}`;
  const scratch = `crb_sd_${tag}_scratch`;
  const dir = ctx.tmpdir();
  const work = ctx.tmpdir();
  const res = { engine, rows: n };
  let manifest = null;
  const log = (m) => ctx.log(`${engine} ${n}: ${m}`);
  try {
    let t0 = Date.now();
    createContactsDb(engine, db, n);
    log(`created in ${Math.round((Date.now() - t0) / 1000)} s`);
    t0 = Date.now();
    manifest = backup(ctx, engine, db, dir);
    log(`backup ${manifest.id} in ${Math.round((Date.now() - t0) / 1000)} s`);
    mutate(engine, db, n);
    const url = urlOf(engine, db);
    const contactsEntry = manifest.tables.find((t) => t.name === 'contacts');
    const accountsEntry = manifest.tables.find((t) => t.name === 'accounts');
    const totalBytes = manifest.tables.reduce((s, t) => s + t.bytes, 0);
    res.backup = {
      id: manifest.id,
      contactsBytes: contactsEntry.bytes,
      accountsBytes: accountsEntry.bytes,
      totalBytes,
      accountsShare: r3(accountsEntry.bytes / totalBytes),
    };

    const stageArgs = (table) => ['stage', '--url', url, '--backup', manifest.id, '--table', table, '--dir', dir, '--json'];
    const dumpDir = join(manifest.path, 'dump');
    const tableFile = (t) => join(manifest.path, t.file);

    // --- stage vs plain load -------------------------------------------------------------
    const plainLoad =
      engine === 'postgres'
        ? `pg_restore ${pgHostArgs().join(' ')} -n public -t contacts -d ${scratch} ${sh(dumpDir)} && ${clientShell(engine, scratch)} -c 'ALTER TABLE public.contacts ADD PRIMARY KEY (id)'`
        : `zcat ${sh(tableFile(contactsEntry))} | ${clientShell(engine, scratch)}`;
    createDb(engine, scratch);
    const stageRuns = await alternate(ctx, `${engine} ${n} stage contacts`, full ? RUNS : 1, {
      ours: () => ctx.measure(ctx.binary, stageArgs('contacts')),
      ...(full && {
        plain: () => {
          sqlRun(engine, scratch, 'DROP TABLE IF EXISTS contacts');
          return ctx.measure('bash', ['-o', 'pipefail', '-c', plainLoad]);
        },
      }),
    });
    res.stage = { ours: summary(stageRuns.ours) };
    if (full) {
      res.stage.plain = { ...summary(stageRuns.plain), command: plainLoad.replace(/'[^']*\/(dump|tables)/g, "'…/$1") };
      res.stage.ratio = r2(res.stage.ours.medianSeconds / res.stage.plain.medianSeconds);
      res.stage.target = TARGETS.stageVsPlain;
      res.stage.met = res.stage.ratio <= TARGETS.stageVsPlain;
    }
    const stageNs = stagingNamespaceOf(ctx, engine, db, manifest.id);
    res.stagingNamespace = stageNs;

    // --- diff vs hand-written SQL ----------------------------------------------------------
    const ourOut = join(work, 'diff.ndjson');
    const hand = handSql(engine, stageNs, db);
    const handFiles = {};
    for (const [k, text] of Object.entries(hand)) {
      handFiles[k] = join(work, `hand-${k}.sql`);
      writeFileSync(handFiles[k], text);
    }
    const diffCmd = `${sh(ctx.binary)} diff --url ${sh(url)} --backup ${manifest.id} --table contacts --dir ${sh(dir)} --format ndjson > ${sh(ourOut)}`;
    const diffRuns = await alternate(ctx, `${engine} ${n} diff`, full ? RUNS : 1, {
      ours: () => ctx.measure('bash', ['-o', 'pipefail', '-c', diffCmd]),
      ...(full && {
        handOnePass: () => ctx.measure('bash', ['-o', 'pipefail', '-c', handCommand(engine, db, handFiles.onePass, join(work, 'hand-onePass.out'))]),
      }),
    });
    if (full) {
      // The slower shape, for context: once (it takes minutes on MySQL).
      Object.assign(
        diffRuns,
        await alternate(ctx, `${engine} ${n} diff`, 1, {
          handCountsAndRows: () =>
            ctx.measure('bash', ['-o', 'pipefail', '-c', handCommand(engine, db, handFiles.countsAndRows, join(work, 'hand-countsAndRows.out'))]),
        }),
      );
    }
    const first = JSON.parse(
      readFileSync(ourOut, 'utf8')
        .slice(0, 1 << 16)
        .split('\n')[0],
    );
    res.diff = { ours: { ...summary(diffRuns.ours), counts: first.counts, rowLines: lineCount(ourOut) - 1 } };
    if (full) {
      const onePassLines = lineCount(join(work, 'hand-onePass.out'));
      res.diff.handCountsAndRows = summary(diffRuns.handCountsAndRows);
      res.diff.handOnePass = { ...summary(diffRuns.handOnePass), rowLines: onePassLines };
      const best = Math.min(res.diff.handCountsAndRows.medianSeconds, res.diff.handOnePass.medianSeconds);
      res.diff.bestHandSeconds = best;
      res.diff.ratio = r2(res.diff.ours.medianSeconds / best);
      res.diff.ratioVsCountsAndRows = r2(res.diff.ours.medianSeconds / res.diff.handCountsAndRows.medianSeconds);
      res.diff.target = TARGETS.diffVsHand;
      res.diff.met = res.diff.ratio <= TARGETS.diffVsHand;
      const c = first.counts;
      res.diff.sameRows = c.deleted + c.changed + c.added + c.softDeleted === onePassLines && res.diff.ours.rowLines === onePassLines;
      res.diff.handSql = Object.fromEntries(Object.entries(hand).map(([k, v]) => [k, v.replace(/\s+/g, ' ').trim().slice(0, 600)]));
    }

    if (full) {
      // --- stage of the 1% table vs the whole-backup restore -----------------------------
      const wholeCmd =
        engine === 'postgres'
          ? `pg_restore ${pgHostArgs().join(' ')} -j 2 -d ${scratch} ${sh(dumpDir)}`
          : `zcat ${[join(manifest.path, 'schema.sql.gz'), ...manifest.tables.map(tableFile)].map(sh).join(' ')} | ${clientShell(engine, scratch)}`;
      const smallRuns = await alternate(ctx, `${engine} ${n} small-vs-whole`, RUNS, {
        ours: () => ctx.measure(ctx.binary, stageArgs('accounts')),
        whole: () => {
          createDb(engine, scratch);
          return ctx.measure('bash', ['-o', 'pipefail', '-c', wholeCmd]);
        },
      });
      res.smallStage = {
        table: 'accounts',
        rows: accountsEntry.rows,
        share: res.backup.accountsShare,
        ours: summary(smallRuns.ours),
        whole: { ...summary(smallRuns.whole), command: wholeCmd.replace(/'[^']*\/(dump|tables|schema)/g, "'…/$1") },
      };
      res.smallStage.ratio = r3(res.smallStage.ours.medianSeconds / res.smallStage.whole.medianSeconds);
      res.smallStage.target = TARGETS.smallStageVsWhole;
      res.smallStage.met = res.smallStage.ratio <= TARGETS.smallStageVsWhole;

      // --- peers --------------------------------------------------------------------------
      res.peers = {};
      if (PEERS) {
        const peer = async (name, cmd, setup) => {
          const out = join(work, `${name}.out`);
          try {
            setup?.();
          } catch (err) {
            res.peers[name] = {
              ran: false,
              error: String(err.stderr ?? err.message)
                .trim()
                .slice(0, 500),
            };
            return;
          }
          const cap = PEER_TIMEOUT ?? Math.ceil(TARGETS.peerSpeedup * res.diff.ours.medianSeconds * 1.02) + 5;
          const m = await ctx.measure('bash', ['-c', `timeout ${cap} ${cmd} > ${sh(out)}`]);
          const lines = lineCount(out);
          const timedOut = m.exitCode === 124;
          const ok = !timedOut && (m.exitCode === 0 || (name === 'pt-table-sync' && m.exitCode === 2)) && lines > 0;
          const entry = {
            command: cmd,
            exitCode: m.exitCode,
            wallSeconds: r2(m.wallSeconds),
            timeoutSeconds: cap,
            outputLines: lines,
            peakTreeRssMB: m.peakTreeRssMB,
            timedOut,
          };
          if (ok || timedOut) {
            // A timed-out peer is at least this slow: the ratio is then a lower bound.
            entry.speedupOfOurs = r2(m.wallSeconds / res.diff.ours.medianSeconds);
            entry.speedupIsLowerBound = timedOut;
            entry.target = TARGETS.peerSpeedup;
            entry.met = entry.speedupOfOurs >= TARGETS.peerSpeedup;
          } else {
            entry.ran = false;
            entry.error = m.stderrTail
              .split('\n')
              .filter((l) => l && !/uninitialized value/.test(l))
              .slice(0, 4)
              .join(' | ')
              .slice(0, 600);
          }
          if (name === 'pt-table-sync' && lines) {
            // --print repeats statements for rows found by several chunk passes: count keys once.
            entry.distinctStatements = Number(pipe`sed ${'s| /\\*percona.*||'} ${out} | sort -u | wc -l`);
          }
          ctx.log(`${engine} ${n} peer ${name}: ${JSON.stringify(entry)}`);
          res.peers[name] = entry;
        };
        if (engine === 'postgres') {
          const u = new URL(PG_ADMIN);
          const base = `pgsql://${u.username || 'root'}@${u.hostname}:${u.port || 5432}/${db}`;
          await peer('pg_comparator', `pg_comparator ${sh(`${base}/${stageNs}.contacts?id`)} ${sh(`${base}/public.contacts?id`)}`, () =>
            sqlRun(engine, db, 'CREATE EXTENSION IF NOT EXISTS pgcmp'),
          );
        } else {
          const u = new URL(MY_ADMIN);
          const auth = `${u.username || 'root'}@${u.hostname}:${u.port || 3306}`;
          await peer(
            'pg_comparator',
            `pg_comparator --no-asynchronous ${sh(`mysql://${auth}/${stageNs}/contacts?id`)} ${sh(`mysql://${auth}/${db}/contacts?id`)}`,
          );
          if (res.peers.pg_comparator.ran === false) {
            // The MySQL side needs the checksum / cast UDFs (mysql_checksum.so, mysql_casts.so)
            // built from the upstream sources; Debian's postgresql-comparator ships only the
            // PostgreSQL extension. Record the md5 variant's error too.
            const m = await ctx.measure('bash', [
              '-c',
              `timeout 60 pg_comparator --no-asynchronous --cf=md5 ${sh(`mysql://${auth}/${stageNs}/contacts?id`)} ${sh(`mysql://${auth}/${db}/contacts?id`)} > /dev/null`,
            ]);
            res.peers.pg_comparator.errorWithMd5Checksum = m.stderrTail
              .split('\n')
              .filter((l) => l && !/uninitialized value/.test(l))
              .slice(0, 2)
              .join(' | ')
              .slice(0, 400);
            res.peers.pg_comparator.why =
              "Debian's postgresql-comparator ships only the PostgreSQL extension (pgcmp); the MySQL checksum and cast UDFs (mysql_checksum.so, mysql_casts.so) must be built from the upstream sources and installed into the server's plugin directory, which this benchmark does not do on a shared server.";
          }
          const h = `h=${u.hostname},P=${u.port || 3306},u=${u.username || 'root'}`;
          await peer('pt-table-sync', `pt-table-sync --print ${h},D=${stageNs},t=contacts ${h},D=${db},t=contacts`);
        }
      }
    }
    return res;
  } finally {
    if (manifest) {
      try {
        dropStaging(ctx, engine, db, manifest.id);
      } catch (err) {
        ctx.log(`dropping staging of ${manifest.id} failed: ${err.message}`);
        // MySQL staging is a database of its own: dropping the live database leaves it behind.
        if (engine === 'mysql' && res.stagingNamespace) dropDb(engine, res.stagingNamespace);
      }
    }
    for (const d of [db, scratch]) {
      try {
        dropDb(engine, d);
      } catch (err) {
        ctx.log(`dropping ${d} failed: ${err.message}`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------

const yes = (met) => (met === undefined || met === null ? '–' : met ? '✓' : '✗');

export default async function run(ctx) {
  const results = [];
  const rss = [];
  for (const engine of ENGINES) {
    const main = await scenario(ctx, engine, ROWS, { full: true });
    results.push(main);
    const points = [{ rows: ROWS, stage: main.stage.ours, diff: main.diff.ours }];
    for (const n of RSS_SIZES.filter((s) => s !== ROWS)) {
      const r = await scenario(ctx, engine, n, { full: false });
      points.push({ rows: n, stage: r.stage.ours, diff: r.diff.ours });
    }
    points.sort((a, b) => a.rows - b.rows);
    const lo = points[0];
    const hi = points[points.length - 1];
    const growth = (a, b) => r2(b / a);
    rss.push({
      engine,
      points: points.map((p) => ({
        rows: p.rows,
        stageSeconds: p.stage.medianSeconds,
        stagePeakTreeRssMB: p.stage.peakTreeRssMB,
        stageLargestProcessMB: p.stage.peakProcessHwmMB,
        diffSeconds: p.diff.medianSeconds,
        diffPeakRssMB: p.diff.peakTreeRssMB,
        diffLargestProcessMB: p.diff.peakProcessHwmMB,
      })),
      stageGrowth: points.length > 1 ? growth(lo.stage.peakTreeRssMB, hi.stage.peakTreeRssMB) : null,
      stageProcessGrowth: points.length > 1 ? growth(lo.stage.peakProcessHwmMB, hi.stage.peakProcessHwmMB) : null,
      diffGrowth: points.length > 1 ? growth(lo.diff.peakProcessHwmMB, hi.diff.peakProcessHwmMB) : null,
      target: TARGETS.rssGrowth,
    });
    const last = rss[rss.length - 1];
    last.met = last.stageGrowth === null ? null : Math.max(last.stageGrowth, last.stageProcessGrowth, last.diffGrowth) <= TARGETS.rssGrowth;
  }

  const data = { code: codeVersion(ctx.root), rows: ROWS, runs: RUNS, targets: TARGETS, results, rss };
  return { data, summaryMarkdown: summarize(data) };
}

/** The README section, from a result's `data` (also usable on a stored bench/results/stage-diff.json). */
export function summarize(data) {
  const { rows: ROWS, runs: RUNS, targets: T, results, rss } = data;
  const lines = [
    `Scenario: \`contacts\` of ${ROWS.toLocaleString('en')} rows (SuiteCRM-like, char(36) ids, 21 columns) and \`accounts\` of ${(ROWS / 100).toLocaleString('en')} rows; after \`crm-rescue backup\`, 1% of contacts deleted, 1% changed, 0.5% added. Wall time: ${RUNS > 1 ? `median of ${RUNS} runs, order alternated` : 'one run each'}; the baselines run in the same process run, right next to ours. Diff output goes to a file (\`--format ndjson\`; the hand SQL through psql -A -t / mysql -B -N). RSS: peak of the summed RSS of the process tree (sampled every 20 ms) and the largest single process. The machine has 2 cores and is shared with other work, so single figures are noisy.${data.code ? ` Code: ${data.code}.` : ''}`,
    '',
    '| engine | measure | crm-rescue (s) | baseline | baseline (s) | ratio | target |',
    '| --- | --- | ---: | --- | ---: | ---: | --- |',
  ];
  for (const r of results) {
    const plainName = r.engine === 'postgres' ? '`pg_restore -t contacts -d` + primary key' : '`zcat contacts file \\| mysql`';
    lines.push(
      `| ${r.engine} | stage contacts | ${r.stage.ours.medianSeconds} | ${plainName} | ${r.stage.plain.medianSeconds} | ${r.stage.ratio} | ≤ ${T.stageVsPlain} ${yes(r.stage.met)} |`,
    );
    const onePassIsBest = r.diff.bestHandSeconds === r.diff.handOnePass.medianSeconds;
    const diffTarget = `≤ ${T.diffVsHand} ${yes(r.diff.met)}`;
    lines.push(
      `| ${r.engine} | diff → ndjson | ${r.diff.ours.medianSeconds} | hand SQL, counts + rows | ${r.diff.handCountsAndRows.medianSeconds} | ${r.diff.ratioVsCountsAndRows} | ${onePassIsBest ? '' : diffTarget} |`,
    );
    lines.push(
      `| ${r.engine} | diff → ndjson | ${r.diff.ours.medianSeconds} | hand SQL, one pass | ${r.diff.handOnePass.medianSeconds} | ${r2(r.diff.ours.medianSeconds / r.diff.handOnePass.medianSeconds)} | ${onePassIsBest ? `${diffTarget} (vs the best)` : ''} |`,
    );
    const wholeName = r.engine === 'postgres' ? '`pg_restore -j2 -d` (whole backup)' : 'every split file `\\| mysql` (whole backup)';
    lines.push(
      `| ${r.engine} | stage accounts (${r2(r.smallStage.share * 100)}% of backup bytes) | ${r.smallStage.ours.medianSeconds} | ${wholeName} | ${r.smallStage.whole.medianSeconds} | ${r.smallStage.ratio} | ≤ ${T.smallStageVsWhole} ${yes(r.smallStage.met)} |`,
    );
    for (const [name, p] of Object.entries(r.peers ?? {})) {
      const label = `\`${name}${name === 'pt-table-sync' ? ' --print' : ''}\``;
      if (p.ran === false)
        lines.push(
          `| ${r.engine} | diff vs peer | ${r.diff.ours.medianSeconds} | ${label} | did not run | – | peer ≥ ${T.peerSpeedup}× ours: not measured (${(
            p.error ?? ''
          )
            .split(' | ')[0]
            .replace(/\|/g, '/')
            .replace(/ at \/usr\S+ line \d+\.?/, '')
            .slice(0, 120)}) |`,
        );
      else
        lines.push(
          `| ${r.engine} | diff vs peer | ${r.diff.ours.medianSeconds} | ${label} | ${p.timedOut ? `> ${p.wallSeconds} (stopped)` : p.wallSeconds} | peer / ours = ${p.timedOut ? '≥ ' : ''}${p.speedupOfOurs} | ≥ ${T.peerSpeedup} ${yes(p.met)} |`,
        );
    }
  }
  lines.push(
    '',
    '| engine | rows | stage (s) | stage RSS, tree / largest process (MB) | diff (s) | diff RSS, crm-rescue (MB) | growth: stage tree / stage process / diff | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  );
  for (const e of rss) {
    for (const [i, p] of e.points.entries()) {
      const last = i === e.points.length - 1 && e.stageGrowth !== null;
      lines.push(
        `| ${e.engine} | ${p.rows.toLocaleString('en')} | ${p.stageSeconds} | ${p.stagePeakTreeRssMB} / ${p.stageLargestProcessMB} | ${p.diffSeconds} | ${p.diffLargestProcessMB} | ${last ? `×${e.stageGrowth} / ×${e.stageProcessGrowth ?? r2(p.stageLargestProcessMB / e.points[0].stageLargestProcessMB)} / ×${e.diffGrowth}` : ''} | ${last ? `≤ ×${e.target} ${yes(e.met)}` : ''} |`,
      );
    }
  }
  lines.push('');
  for (const r of results) {
    const c = r.diff.ours.counts;
    lines.push(
      `- ${r.engine}: diff found deleted ${c.deleted}, changed ${c.changed}, added ${c.added}, soft-deleted ${c.softDeleted}; the one-pass hand SQL returned ${r.diff.handOnePass.rowLines} rows (${r.diff.sameRows ? 'the same number' : 'a DIFFERENT number'}).`,
    );
    for (const [name, p] of Object.entries(r.peers ?? {})) {
      if (p.distinctStatements)
        lines.push(
          `- ${r.engine}: \`${name} --print\` printed ${p.outputLines} statements, ${p.distinctStatements} distinct (it repeats rows found by several chunk passes); it reports statements, not the rows' before/after values.`,
        );
      if (name === 'pg_comparator' && p.ran !== false)
        lines.push(
          `- ${r.engine}: pg_comparator printed ${p.outputLines} keys (INSERT/UPDATE/DELETE + key only, no row values), with the pgcmp extension's default checksum.`,
        );
      if (p.ran === false && p.why)
        lines.push(
          `- ${r.engine}: ${name} did not run: \`${(p.error ?? '').split(' | ')[0]}\`; with \`--cf=md5\`: \`${(p.errorWithMd5Checksum ?? '').split(' | ')[0]}\`. ${p.why}`,
        );
    }
  }
  const sizes = [...new Set(rss.flatMap((e) => e.points.map((p) => p.rows)))].sort((a, b) => a - b);
  if (!sizes.some((s) => s > ROWS))
    lines.push(`- RSS flatness is measured between ${sizes.map((s) => s.toLocaleString('en')).join(' and ')} rows, not 1M → 3M (BENCH_SD_RSS_SIZES).`);
  return lines.join('\n');
}
