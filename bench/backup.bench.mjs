// Backup benchmark: `crm-rescue backup` against the plain tool run by hand on the same database,
// at 1M and 3M rows in total per engine. Wall time (median of RUNS, alternating order) and peak
// RSS of the whole process tree (summed RSS, sampled every 20 ms).
//
// Data is generated here (generate_series on PostgreSQL, the sequence engine on MariaDB), not by
// the demo module. Servers and users are the test servers' (CRM_RESCUE_TEST_PG_URL /
// CRM_RESCUE_TEST_MYSQL_URL, default root on 127.0.0.1).
import { availableParallelism } from 'node:os';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { MY_ADMIN, mysqlc, PG_ADMIN, pipe, psql } from './clients.mjs';

export const title = 'Backup: crm-rescue backup vs pg_dump / mysqldump | gzip';

const SIZES = (process.env.BENCH_BACKUP_SIZES ?? '1000000,3000000').split(',').map(Number);
const RUNS = Number(process.env.BENCH_BACKUP_RUNS ?? 3);
const JOBS = availableParallelism();
/** The same mysqldump options crm-rescue uses, so the comparison is about the pipeline only. */
const MYSQLDUMP_OPTS =
  '--single-transaction --quick --skip-lock-tables --routines --triggers --hex-blob --default-character-set=utf8mb4 --no-tablespaces --add-drop-table';

/** Table shares of the total rows: a CRM-like mix of narrow and wide tables. */
const SHARES = { accounts: 0.05, contacts: 0.35, activities: 0.45, notes: 0.15 };

function createPg(name, total) {
  psql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  psql('postgres', `CREATE DATABASE ${name}`);
  const n = (t) => Math.round(total * SHARES[t]);
  psql(
    name,
    `CREATE TABLE accounts (id bigint PRIMARY KEY, name text, industry text, created_at timestamptz);
     INSERT INTO accounts SELECT i, 'Account ' || i, (ARRAY['retail','software','health','energy'])[1 + i % 4], now() - i * interval '1 minute' FROM generate_series(1, ${n('accounts')}) i;
     CREATE TABLE contacts (id bigint PRIMARY KEY, account_id bigint, first_name text, last_name text, email text, phone text, created_at timestamptz);
     INSERT INTO contacts SELECT i, 1 + i % ${n('accounts')}, 'First' || (i % 997), 'Last' || (i % 1009), 'user' || i || '@example.com', '+1-555-' || lpad((i % 10000)::text, 4, '0'), now() - i * interval '1 second' FROM generate_series(1, ${n('contacts')}) i;
     CREATE TABLE activities (id bigint PRIMARY KEY, contact_id bigint, kind text, subject text, due_at timestamptz, done boolean);
     INSERT INTO activities SELECT i, 1 + i % ${n('contacts')}, (ARRAY['call','mail','meeting'])[1 + i % 3], 'Follow up ' || md5(i::text), now() + i * interval '1 second', i % 2 = 0 FROM generate_series(1, ${n('activities')}) i;
     CREATE TABLE notes (id bigint PRIMARY KEY, contact_id bigint, body text);
     INSERT INTO notes SELECT i, 1 + i % ${n('contacts')}, repeat(md5(i::text), 3) FROM generate_series(1, ${n('notes')}) i;
     ANALYZE;`,
  );
}

function createMy(name, total) {
  mysqlc(null, `DROP DATABASE IF EXISTS ${name}; CREATE DATABASE ${name} CHARACTER SET utf8mb4`);
  const n = (t) => Math.round(total * SHARES[t]);
  mysqlc(
    name,
    `CREATE TABLE accounts (id bigint PRIMARY KEY, name varchar(100), industry varchar(20), created_at datetime);
     INSERT INTO accounts SELECT seq, CONCAT('Account ', seq), ELT(1 + seq % 4, 'retail','software','health','energy'), NOW() - INTERVAL seq MINUTE FROM seq_1_to_${n('accounts')};
     CREATE TABLE contacts (id bigint PRIMARY KEY, account_id bigint, first_name varchar(50), last_name varchar(50), email varchar(100), phone varchar(20), created_at datetime);
     INSERT INTO contacts SELECT seq, 1 + seq % ${n('accounts')}, CONCAT('First', seq % 997), CONCAT('Last', seq % 1009), CONCAT('user', seq, '@example.com'), CONCAT('+1-555-', LPAD(seq % 10000, 4, '0')), NOW() - INTERVAL seq SECOND FROM seq_1_to_${n('contacts')};
     CREATE TABLE activities (id bigint PRIMARY KEY, contact_id bigint, kind varchar(10), subject varchar(100), due_at datetime, done tinyint);
     INSERT INTO activities SELECT seq, 1 + seq % ${n('contacts')}, ELT(1 + seq % 3, 'call','mail','meeting'), CONCAT('Follow up ', MD5(seq)), NOW() + INTERVAL seq SECOND, seq % 2 = 0 FROM seq_1_to_${n('activities')};
     CREATE TABLE notes (id bigint PRIMARY KEY, contact_id bigint, body text);
     INSERT INTO notes SELECT seq, 1 + seq % ${n('contacts')}, REPEAT(MD5(seq), 3) FROM seq_1_to_${n('notes')};
     ANALYZE TABLE accounts, contacts, activities, notes;`,
  );
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r2 = (x) => Math.round(x * 100) / 100;

export default async function run(ctx) {
  const rows = [];
  for (const engine of ['postgres', 'mysql']) {
    for (const total of SIZES) {
      const name = `crm_rescue_bench_${engine === 'postgres' ? 'pg' : 'my'}_${total / 1e6}m`.replace('.', '_');
      ctx.log(`${engine} ${total} rows: creating ${name}`);
      const t0 = Date.now();
      if (engine === 'postgres') createPg(name, total);
      else createMy(name, total);
      ctx.log(`${engine} ${total} rows: created in ${Math.round((Date.now() - t0) / 1000)} s`);
      const url = engine === 'postgres' ? `${PG_ADMIN}/${name}` : `${MY_ADMIN}/${name}`;
      const ours = [];
      const tool = [];
      let outputBytes = {};
      for (let i = 0; i < RUNS; i++) {
        // Alternate who goes first so page-cache warmth does not favour one side.
        const order = i % 2 ? ['tool', 'ours'] : ['ours', 'tool'];
        for (const who of order) {
          const dir = ctx.tmpdir();
          let m;
          if (who === 'ours') {
            m = await ctx.measure(ctx.binary, ['backup', '--url', url, '--dir', dir, '--jobs', String(JOBS)]);
            outputBytes.ours = Number(pipe`du -sb ${dir}`.split('\t')[0]);
            ours.push(m);
          } else if (engine === 'postgres') {
            m = await ctx.measure('pg_dump', ['-h', '127.0.0.1', '-U', 'root', '-w', '-Fd', '-j', String(JOBS), '-f', join(dir, 'dump'), name]);
            outputBytes.tool = Number(pipe`du -sb ${dir}`.split('\t')[0]);
            tool.push(m);
          } else {
            m = await ctx.measure('bash', [
              '-o',
              'pipefail',
              '-c',
              `mysqldump -h127.0.0.1 -uroot ${MYSQLDUMP_OPTS} ${name} | gzip > ${join(dir, 'dump.sql.gz')}`,
            ]);
            outputBytes.tool = Number(pipe`du -sb ${dir}`.split('\t')[0]);
            tool.push(m);
          }
          rmSync(dir, { recursive: true, force: true });
          if (m.exitCode !== 0) throw new Error(`${who} ${engine} failed (exit ${m.exitCode}): ${m.stderrTail}`);
          ctx.log(`${engine} ${total} ${who} run ${i + 1}: ${r2(m.wallSeconds)} s wall, ${m.cpuSeconds} s CPU, tree RSS ${m.peakTreeRssMB} MB`);
        }
      }
      rows.push({
        engine,
        rows: total,
        jobs: JOBS,
        runs: RUNS,
        oursWallSeconds: ours.map((m) => r2(m.wallSeconds)),
        toolWallSeconds: tool.map((m) => r2(m.wallSeconds)),
        oursMedianSeconds: r2(median(ours.map((m) => m.wallSeconds))),
        toolMedianSeconds: r2(median(tool.map((m) => m.wallSeconds))),
        ratio: r2(median(ours.map((m) => m.wallSeconds)) / median(tool.map((m) => m.wallSeconds))),
        oursCpuSeconds: ours.map((m) => m.cpuSeconds),
        toolCpuSeconds: tool.map((m) => m.cpuSeconds),
        oursMedianCpuSeconds: r2(median(ours.map((m) => m.cpuSeconds ?? 0))),
        toolMedianCpuSeconds: r2(median(tool.map((m) => m.cpuSeconds ?? 0))),
        cpuRatio: r2(median(ours.map((m) => m.cpuSeconds ?? 0)) / median(tool.map((m) => m.cpuSeconds ?? 0))),
        oursPeakTreeRssMB: Math.max(...ours.map((m) => m.peakTreeRssMB)),
        oursPeakProcessMB: Math.max(...ours.map((m) => m.peakProcessHwmMB)),
        toolPeakTreeRssMB: Math.max(...tool.map((m) => m.peakTreeRssMB)),
        oursBytes: outputBytes.ours,
        toolBytes: outputBytes.tool,
      });
      if (engine === 'postgres') psql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      else mysqlc(null, `DROP DATABASE IF EXISTS ${name}`);
    }
  }
  const target = { postgres: 1.1, mysql: 1.0 };
  const baseline = { postgres: `pg_dump -Fd -j ${JOBS}`, mysql: 'mysqldump --single-transaction \\| gzip' };
  const lines = [
    `Wall time is the median of ${RUNS} runs (order alternated); CPU is user + system time of the whole client process tree (crm-rescue, pg_dump and its workers, mysqldump, gzip; not the database server), from /usr/bin/time; RSS is the peak of the summed RSS of that tree, sampled every 20 ms. Jobs: ${JOBS} (the machine's cores). The servers are local and the machine was shared with other work while this ran, so wall times are noisy; CPU times much less so.`,
    '',
    '| engine | rows | crm-rescue wall (s) | baseline | baseline wall (s) | wall ratio | target | CPU (s) ours / baseline | CPU ratio | crm-rescue peak RSS (MB) | baseline peak RSS (MB) | output MB (ours / baseline) |',
    '| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.engine} | ${r.rows.toLocaleString('en-US')} | ${r.oursMedianSeconds} | \`${baseline[r.engine]}\` | ${r.toolMedianSeconds} | ${r.ratio} | ≤ ${target[r.engine].toFixed(2)} ${r.ratio <= target[r.engine] ? '✓' : '✗'} | ${r.oursMedianCpuSeconds} / ${r.toolMedianCpuSeconds} | ${r.cpuRatio} | ${r.oursPeakTreeRssMB} | ${r.toolPeakTreeRssMB} | ${Math.round(r.oursBytes / 1e5) / 10} / ${Math.round(r.toolBytes / 1e5) / 10} |`,
    ),
    '',
  ];
  for (const engine of ['postgres', 'mysql']) {
    const rs = rows.filter((r) => r.engine === engine).sort((a, b) => a.rows - b.rows);
    if (rs.length >= 2) {
      const a = rs[0];
      const b = rs[rs.length - 1];
      lines.push(
        `- ${engine}: crm-rescue peak tree RSS ${a.oursPeakTreeRssMB} MB at ${a.rows.toLocaleString('en-US')} rows vs ${b.oursPeakTreeRssMB} MB at ${b.rows.toLocaleString('en-US')} rows (×${r2(b.oursPeakTreeRssMB / a.oursPeakTreeRssMB)}; largest single process ${a.oursPeakProcessMB} → ${b.oursPeakProcessMB} MB).`,
      );
    }
  }
  return { data: { rows, jobs: JOBS, runs: RUNS }, summaryMarkdown: lines.join('\n') };
}
