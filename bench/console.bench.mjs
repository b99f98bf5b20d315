// Console benchmark: the built binary inside tmux at 80×24 (as users run it).
//
// - Start-up: time from launching `crm-rescue --url …` to the first full frame (the Home
//   breadcrumb and footer drawn), and to Home with the target read. Median of RUNS.
// - Scrolling a diff: a table of ROWS rows is backed up and staged, then rows are deleted from
//   live (10,000, then every row: ROWS differences). The console opens the Diff on it; each
//   keystroke (j: next row; PgDn: next page, which reads the next keyset page) is timed from
//   `tmux send-keys` to the pane showing the new position. The poll reads the pane every few
//   milliseconds, so a figure includes up to one poll.
// - Memory: RSS of the console process (VmRSS and its high-water mark VmHWM) after the diff is
//   open and after scrolling, with 10,000 and with ROWS differences.
//
// - Recovery time (RTO): the demo incident (BENCH_RTO_SCALE contacts, default 20,000), on each
//   engine, recovered through the wizard by a script that presses the next key as soon as the
//   screen is ready for it (no reading pauses): from the first full frame to "all match" after
//   the apply, with the time of each step and the keystrokes counted. Live is checked afterwards
//   (every deleted contact back). Target < 10 s on either engine.
//
// The table is made with generate_series on the test PostgreSQL (CRM_RESCUE_TEST_PG_URL, default
// root@127.0.0.1:5432). BENCH_CONSOLE_ROWS overrides the size (default 1,000,000).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { myHostArgs, mysqlc, ok, PG_ADMIN, pgHostArgs, pipe, psql, sh$ } from './clients.mjs';

export const title = 'Console: first frame, keystroke-to-frame while scrolling a diff, memory';

const ROWS = Number(process.env.BENCH_CONSOLE_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_CONSOLE_RUNS ?? 5);
const STEPS = Number(process.env.BENCH_CONSOLE_STEPS ?? 40);
const DB = 'crm_rescue_bench_console';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length - 1) * p))];
const r1 = (x) => Math.round(x * 10) / 10;

/** A private tmux server on a socket in `dir`. */
function tmuxOn(dir) {
  const socket = join(dir, 'tmux.sock');
  const tmux = (...args) => ok(sh$({ sync: true })`tmux -S ${socket} ${args}`, 'tmux').stdout;
  return {
    tmux,
    capture: (s) => tmux('capture-pane', '-p', '-t', s),
    keys: (s, ...k) => tmux('send-keys', '-t', s, ...k),
    async waitFor(s, test, timeoutMs = 120_000) {
      const until = Date.now() + timeoutMs;
      let screen = '';
      while (Date.now() < until) {
        screen = tmux('capture-pane', '-p', '-t', s);
        if (test(screen)) return screen;
        await sleep(5);
      }
      throw new Error(`timed out; the screen was:\n${screen}`);
    },
    kill() {
      try {
        tmux('kill-server');
      } catch {
        /* gone */
      }
    },
  };
}

function nodePid(t, session) {
  const shell = t.tmux('display-message', '-p', '-t', session, '#{pane_pid}').trim();
  return Number(pipe`pgrep -P ${shell} node`.split('\n')[0]);
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (f) => Number(new RegExp(`^${f}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssMB: r1(kb('VmRSS') / 1024), hwmMB: r1(kb('VmHWM') / 1024) };
}

/** Starts the console in a new session; returns the session name. */
function start(t, ctx, home, url, name) {
  const env = `env HOME='${home}' CRM_RESCUE_HOME='${join(home, 'data')}' XDG_CONFIG_HOME='${join(home, 'cfg')}'`;
  t.tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', '-c', ctx.root, `${env} node ${ctx.binary} --url '${url}'; echo "[exit $?]"; sleep 600`);
  return name;
}

/** The position line of the diff list: `12/1,000,000 deleted rows` → 12. */
const position = (screen) => {
  const m = /(\d[\d,]*)\/([\d,]+) deleted rows/.exec(screen);
  return m ? Number(m[1].replace(/,/g, '')) : null;
};

async function startup(ctx, t, home, url) {
  const first = [];
  const read = [];
  const cpu = [];
  for (let i = 0; i < RUNS; i++) {
    const s = `start${i}`;
    const t0 = performance.now();
    start(t, ctx, home, url, s);
    await t.waitFor(s, (x) => x.includes('crm-rescue › Home') && x.includes('q quit'));
    first.push(performance.now() - t0);
    // CPU time the console used up to its first frame: what the wall time would be on an idle core.
    cpu.push(Math.round(cpuSeconds(nodePid(t, s)) * 1000));
    await t.waitFor(s, (x) => x.includes('Last backup') && !x.includes('reading'));
    read.push(performance.now() - t0);
    t.keys(s, 'q');
    await t.waitFor(s, (x) => x.includes('[exit 0]'));
    t.tmux('kill-session', '-t', s);
  }
  return { firstFrameMs: first.map(Math.round), firstFrameCpuMs: cpu, homeReadMs: read.map(Math.round) };
}

/** Opens the diff of `contacts` in a fresh console and scrolls it; returns latencies and memory. */
async function scroll(ctx, t, home, url, label, expected) {
  const s = start(t, ctx, home, url, `diff-${label}`);
  await t.waitFor(s, (x) => x.includes('q quit') && x.includes('Last backup'));
  t.keys(s, 'g', 'j', 'j', 'j', 'j', 'Enter');
  await t.waitFor(s, (x) => x.includes('Diff · the backup') && x.includes('1/1 backups') && !x.includes('reading'));
  t.keys(s, 'Enter');
  await t.waitFor(s, (x) => x.includes('1/1 tables') && !x.includes('reading'));
  const opened = performance.now();
  t.keys(s, 'Space', 'Enter');
  const first = await t.waitFor(s, (x) => position(x) === 1 && !x.includes('reading'), 600_000);
  const openMs = performance.now() - opened;
  if (!first.includes(`1/${expected.toLocaleString('en-US')} deleted rows`)) throw new Error(`expected ${expected} differences:\n${first}`);
  const pid = nodePid(t, s);
  const memOpen = memory(pid);
  const step = async (key, want) => {
    const t0 = performance.now();
    t.keys(s, key);
    await t.waitFor(s, (x) => position(x) === want && !x.includes('reading'), 30_000);
    return performance.now() - t0;
  };
  const j = [];
  let c0 = cpuSeconds(pid);
  for (let i = 0; i < STEPS; i++) j.push(await step('j', i + 2));
  const jCpu = ((cpuSeconds(pid) - c0) * 1000) / STEPS;
  const pgdn = [];
  let at = STEPS + 1;
  c0 = cpuSeconds(pid);
  for (let i = 0; i < STEPS; i++) {
    at = Math.min(expected, at + 13);
    pgdn.push(await step('PageDown', at));
  }
  const pgdnCpu = ((cpuSeconds(pid) - c0) * 1000) / STEPS;
  const endMs = await step('End', expected);
  const memScrolled = memory(pid);
  t.keys(s, 'q');
  await t.waitFor(s, (x) => x.includes('[exit 0]'));
  t.tmux('kill-session', '-t', s);
  return {
    differences: expected,
    openMs: Math.round(openMs),
    jMs: { median: r1(median(j)), p95: r1(pct(j, 0.95)), max: r1(Math.max(...j)), cpuPerStep: r1(jCpu) },
    pageDownMs: { median: r1(median(pgdn)), p95: r1(pct(pgdn, 0.95)), max: r1(Math.max(...pgdn)), cpuPerStep: r1(pgdnCpu) },
    endMs: Math.round(endMs),
    memoryOpen: memOpen,
    memoryScrolled: memScrolled,
  };
}

const RTO_SCALE = Number(process.env.BENCH_RTO_SCALE ?? 20_000);
/** The wizard is working (a progress bar, the status line's running work): not ready for a key. */
const busy = (x) => /working…|ETA |running: |reading/.test(x);
const stepOf = (x) => Number(/Step (\d)\/8/.exec(x)?.[1] ?? 0);

/**
 * The demo incident recovered through the wizard at machine speed: each key is sent as soon as
 * the screen is ready for it. Returns the total, each step's time (from the key that left the
 * previous step to the next state that waits for a key), and the keys sent.
 */
async function rto(ctx, t, home, engine) {
  const name = `crm_rescue_bench_rto_${engine === 'postgres' ? 'pg' : 'my'}`;
  const env = { ...process.env, HOME: home, CRM_RESCUE_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'cfg') };
  const demoArgs = ['demo', '--db', name, '--scale', String(RTO_SCALE), '--json', ...(engine === 'mysql' ? ['--mysql'] : [])];
  const report = JSON.parse(execFileSync(ctx.binary, demoArgs, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 }));
  if (!report.backup || !report.incident) throw new Error('the demo did not back up before its incident');
  const s = start(t, ctx, home, report.target, `rto-${engine}`);
  const t0 = performance.now();
  await t.waitFor(s, (x) => x.includes('spike') && x.includes('q quit') && !busy(x), 120_000);
  const firstFrameMs = performance.now() - t0;
  let keys = 0;
  const send = (...k) => {
    keys += k.length;
    t.keys(s, ...k);
  };
  const steps = [];
  const began = performance.now();
  let mark = began;
  let label = 'open the wizard';
  send('Enter');
  for (;;) {
    const x = await t.waitFor(
      s,
      (y) =>
        !busy(y) &&
        (y.includes('Type the database name') ||
          (y.includes('Step 8/8') && /all match|DO NOT MATCH/.test(y)) ||
          (stepOf(y) > 0 && /Enter: |Enter next/.test(y))),
      600_000,
    );
    const now = performance.now();
    steps.push({ step: label, ms: Math.round(now - mark) });
    mark = now;
    if (x.includes('Step 8/8') && /all match|DO NOT MATCH/.test(x)) {
      if (x.includes('DO NOT MATCH')) throw new Error(`the recovery did not verify:\n${x}`);
      break;
    }
    if (x.includes('Type the database name')) {
      label = 'apply and verify';
      t.tmux('send-keys', '-t', s, '-l', name);
      keys += 1;
      send('Enter');
      await t.waitFor(s, (y) => !y.includes('Type the database name'), 60_000);
      continue;
    }
    const n = stepOf(x);
    // Step 1 lists the incidents once the audit is read: the demo's is mallory.b's.
    if (n === 1 && !x.includes('mallory.b')) {
      await t.waitFor(s, (y) => y.includes('mallory.b') && !busy(y), 120_000);
      continue;
    }
    label = `step ${n} → ${n + 1}`;
    const before = x;
    send('Enter');
    // The screen must change before the next state is read (the same frame would match again).
    await t.waitFor(s, (y) => y !== before, 60_000);
  }
  const totalMs = Math.round(performance.now() - began);
  t.keys(s, 'q');
  await t.waitFor(s, (x) => x.includes('[exit 0]') || x.includes('Quit'), 30_000);
  t.tmux('kill-session', '-t', s);
  // Live holds every deleted contact again.
  const count =
    engine === 'postgres'
      ? Number(pipe`psql -X -At ${pgHostArgs()} -d ${name} -c ${'SELECT count(*) FROM contacts'}`.trim())
      : Number(pipe`mysql ${myHostArgs()} -N -e ${`SELECT COUNT(*) FROM \`${name}\`.contacts`}`.trim());
  const seeded = report.seedRowCounts?.contacts;
  if (seeded !== undefined && count !== seeded) throw new Error(`${engine}: ${count} contacts after the recovery, ${seeded} before the incident`);
  if (engine === 'postgres') psql('postgres', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  else {
    // With its companions: crm-rescue's journal database and the staging databases it owns.
    mysqlc(null, `DROP DATABASE IF EXISTS \`${name}\`; DROP DATABASE IF EXISTS \`crm_rescue__${name}\``);
    const owned =
      pipe`mysql ${myHostArgs()} -N -e ${"SELECT TABLE_SCHEMA FROM information_schema.TABLES WHERE TABLE_SCHEMA LIKE 'crm\\_rescue\\_stage\\_%' AND TABLE_NAME = '_crm_rescue_staging'"}`
        .split('\n')
        .filter(Boolean);
    for (const ns of owned) {
      const owner = pipe`mysql ${myHostArgs()} -N -e ${`SELECT database_name FROM \`${ns}\`._crm_rescue_staging WHERE kind = 'namespace'`}`;
      if (owner === name) mysqlc(null, `DROP DATABASE IF EXISTS \`${ns}\``);
    }
  }
  return { engine, scale: RTO_SCALE, deletedContacts: report.incident.deletedContacts, firstFrameMs: Math.round(firstFrameMs), totalMs, keys, steps };
}

/** The recovery-time table of the summary. */
function rtoLines(runs) {
  return [
    `Recovery time: the demo incident (${RTO_SCALE.toLocaleString('en-US')} contacts seeded) recovered through the wizard in tmux at 80×24, each key sent as soon as the screen waits for one (machine time, no reading pauses), from the first full frame to "all match" after the apply; live then holds every deleted contact again.`,
    '',
    '| engine | contacts lost | first frame | wizard to verified merge | keys | steps (ms) | target |',
    '| --- | ---: | ---: | ---: | ---: | --- | --- |',
    ...runs.map(
      (r) =>
        `| ${r.engine} | ${r.deletedContacts} | ${r.firstFrameMs} ms | ${r1(r.totalMs / 1000)} s | ${r.keys} | ${r.steps.map((x) => `${x.step}: ${x.ms}`).join(', ')} | < 10 s ${r.totalMs < 10_000 ? '✓' : '✗'} |`,
    ),
  ];
}

export default async function run(ctx) {
  const home = ctx.tmpdir();
  const t = tmuxOn(home);
  const url = `${PG_ADMIN}/${DB}`;
  const env = { ...process.env, HOME: home, CRM_RESCUE_HOME: join(home, 'data'), XDG_CONFIG_HOME: join(home, 'cfg'), NO_COLOR: '1' };
  const cli = (...args) => execFileSync(ctx.binary, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
  try {
    // BENCH_CONSOLE_ONLY=rto: the recovery-time runs alone (a few minutes instead of many).
    if (process.env.BENCH_CONSOLE_ONLY === 'rto') {
      const runs = [];
      for (const engine of ['postgres', 'mysql']) {
        ctx.log(`recovery time on ${engine}`);
        runs.push(await rto(ctx, t, home, engine));
        ctx.log(JSON.stringify(runs.at(-1)));
      }
      return { data: { rto: runs }, summaryMarkdown: rtoLines(runs).join('\n') };
    }
    ctx.log(`creating ${DB} with ${ROWS.toLocaleString('en-US')} contacts`);
    let t0 = Date.now();
    psql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    psql('postgres', `CREATE DATABASE ${DB}`);
    psql(
      DB,
      `CREATE TABLE contacts (id bigint PRIMARY KEY, first_name text, last_name text, email text, deleted int NOT NULL DEFAULT 0);
      INSERT INTO contacts SELECT i, 'First' || (i % 997), 'Last' || (i % 1009), 'user' || i || '@example.com', 0 FROM generate_series(1, ${ROWS}) i;
      ANALYZE contacts;`,
    );
    const createSeconds = (Date.now() - t0) / 1000;
    t0 = Date.now();
    const backup = JSON.parse(cli('backup', '--url', url, '--json')).id;
    const backupSeconds = (Date.now() - t0) / 1000;
    t0 = Date.now();
    cli('stage', '--url', url, '--backup', backup, '--table', 'contacts');
    const stageSeconds = (Date.now() - t0) / 1000;
    ctx.log(`setup: create ${r1(createSeconds)} s, backup ${r1(backupSeconds)} s, stage ${r1(stageSeconds)} s`);

    ctx.log('start-up');
    const start = await startup(ctx, t, home, url);
    ctx.log(`first frame ${start.firstFrameMs.join(', ')} ms`);

    const small = 10_000;
    psql(DB, `DELETE FROM contacts WHERE id <= ${small}`);
    ctx.log(`scrolling ${small} differences`);
    const few = await scroll(ctx, t, home, url, 'small', small);
    ctx.log(JSON.stringify(few));
    psql(DB, 'TRUNCATE contacts');
    ctx.log(`scrolling ${ROWS} differences`);
    const many = await scroll(ctx, t, home, url, 'large', ROWS);
    ctx.log(JSON.stringify(many));

    const rtoRuns = [];
    for (const engine of ['postgres', 'mysql']) {
      ctx.log(`recovery time on ${engine}`);
      rtoRuns.push(await rto(ctx, t, home, engine));
      ctx.log(JSON.stringify(rtoRuns.at(-1)));
    }

    const firstMedian = median(start.firstFrameMs);
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    const lines = [
      `Load average when the run ended: ${load} (on ${availableParallelism()} cores): wall times include waiting for the CPU; the CPU-time line shows what start-up costs on an idle core.`,
      '',
      `tmux at 80×24, the built binary, PostgreSQL on the same (shared, ${availableParallelism()}-core) machine. Setup: ${ROWS.toLocaleString('en-US')}-row table created in ${r1(createSeconds)} s, backed up in ${r1(backupSeconds)} s, staged in ${r1(stageSeconds)} s. Keystroke times run from \`tmux send-keys\` to the pane showing the new position (the pane is polled every 5 ms, so they include up to one poll and the tmux round trip). j moves within the page; PgDn moves a page and reads the next keyset page; End jumps to the last row (one read the server skips through).`,
      '',
      '| measure | value | target |',
      '| --- | ---: | --- |',
      `| first full frame (median of ${RUNS}) | ${Math.round(firstMedian)} ms (runs: ${start.firstFrameMs.join(', ')}) | < 1000 ms ${firstMedian < 1000 ? '✓' : '✗'} |`,
      `| CPU time of the console process at its first frame (median) | ${Math.round(median(start.firstFrameCpuMs))} ms (runs: ${start.firstFrameCpuMs.join(', ')}) | |`,
      `| Home with the target read (median) | ${Math.round(median(start.homeReadMs))} ms | |`,
      ...[few, many].flatMap((r) => [
        `| ${r.differences.toLocaleString('en-US')} differences: open the diff (count every class) | ${r.openMs} ms | |`,
        `| ${r.differences.toLocaleString('en-US')} differences: j, median / p95 / max of ${STEPS} (console CPU per step) | ${r.jMs.median} / ${r.jMs.p95} / ${r.jMs.max} ms (${r.jMs.cpuPerStep} ms) | < 50 ms ${r.jMs.p95 < 50 ? '✓' : '✗'} |`,
        `| ${r.differences.toLocaleString('en-US')} differences: PgDn, median / p95 / max of ${STEPS} (console CPU per step) | ${r.pageDownMs.median} / ${r.pageDownMs.p95} / ${r.pageDownMs.max} ms (${r.pageDownMs.cpuPerStep} ms) | < 50 ms ${r.pageDownMs.p95 < 50 ? '✓' : '✗'} |`,
        `| ${r.differences.toLocaleString('en-US')} differences: End (jump to the last row) | ${r.endMs} ms | |`,
        `| ${r.differences.toLocaleString('en-US')} differences: RSS open → after scrolling (peak) | ${r.memoryOpen.rssMB} → ${r.memoryScrolled.rssMB} MB (${r.memoryScrolled.hwmMB} MB) | flat |`,
      ]),
      '',
      `RSS with ${ROWS.toLocaleString('en-US')} vs 10,000 differences after scrolling: ${many.memoryScrolled.rssMB} vs ${few.memoryScrolled.rssMB} MB (×${r1(many.memoryScrolled.rssMB / few.memoryScrolled.rssMB)}).`,
      '',
      ...rtoLines(rtoRuns),
    ];
    return {
      data: {
        rows: ROWS,
        runs: RUNS,
        steps: STEPS,
        setup: { createSeconds, backupSeconds, stageSeconds },
        startup: start,
        small: few,
        large: many,
        rto: rtoRuns,
      },
      summaryMarkdown: lines.join('\n'),
    };
  } finally {
    t.kill();
    try {
      psql('postgres', `DROP DATABASE IF EXISTS ${DB} WITH (FORCE)`);
    } catch {
      /* the run failed before creating it */
    }
    rmSync(home, { recursive: true, force: true });
  }
}
