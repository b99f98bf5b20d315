#!/usr/bin/env node
// Benchmark runner: `npm run bench [-- NAME…]`.
//
// Runs every bench/*.bench.mjs (or the named ones), writes bench/results/<name>.json, then
// regenerates bench/README.md from all result files, so results of benchmarks not re-run stay
// in the summary. To add a benchmark, drop a file bench/<name>.bench.mjs that exports:
//
//   export const title = 'Human title';
//   export default async function run(ctx) { … return { data, summaryMarkdown }; }
//
// ctx: { root, binary, log(msg), tmpdir(), measure(cmd, args, opts) }. `data` is any JSON; `summaryMarkdown` is the
// section shown in bench/README.md. Timings belong here, never in tests.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem, tmpdir, platform, release } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const benchDir = join(root, 'bench');
const resultsDir = join(benchDir, 'results');
mkdirSync(resultsDir, { recursive: true });

const log = (msg) => process.stderr.write(`[bench] ${msg}\n`);

/** Every process's parent, from /proc. */
function parentMap() {
  const out = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      out.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  return out;
}

function statusKb(pid, field) {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs a command and measures its wall time, the CPU time of its whole process tree, and memory:
 * the peak of the summed RSS (sampled every 20 ms) and the largest single process's VmHWM.
 */
export function measure(cmd, args, { env = {}, cwd = root } = {}) {
  // /usr/bin/time reports the CPU time of the whole waited-for tree (user + system), which is
  // far less sensitive than wall time to other work on a shared machine.
  const timeFile = existsSync('/usr/bin/time') ? join(mkdtempSync(join(tmpdir(), 'crm-rescue-bench-time-')), 'time') : null;
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const [exe, argv] = timeFile ? ['/usr/bin/time', ['-o', timeFile, '-f', '%U %S', cmd, ...args]] : [cmd, args];
    const child = spawn(exe, argv, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
    let peakTree = 0;
    let peakProc = 0;
    const hwm = new Map();
    const sample = () => {
      const pp = parentMap();
      const tree = [child.pid];
      for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of pp) if (ppid === tree[i]) tree.push(pid);
      let sum = 0;
      for (const pid of tree) {
        sum += statusKb(pid, 'VmRSS');
        const h = statusKb(pid, 'VmHWM');
        if (h > (hwm.get(pid) ?? 0)) hwm.set(pid, h);
        peakProc = Math.max(peakProc, h);
      }
      peakTree = Math.max(peakTree, sum);
    };
    const timer = setInterval(sample, 20);
    sample();
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(timer);
      const wallSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      let cpuSeconds = null;
      if (timeFile) {
        try {
          const [u, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
          cpuSeconds = Math.round((u + sys) * 100) / 100;
        } catch {
          /* no report */
        }
        rmSync(dirname(timeFile), { recursive: true, force: true });
      }
      resolve({
        exitCode: code,
        wallSeconds,
        cpuSeconds,
        peakTreeRssMB: Math.round(peakTree / 102.4) / 10,
        peakProcessHwmMB: Math.round(peakProc / 102.4) / 10,
        stderrTail: stderr,
      });
    });
  });
}

function build() {
  log('building dist/ (npm run build: tsc, then the vendor bundles the CLI loads)');
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  } catch {
    // tsc still emits on type errors elsewhere in the tree; the benchmark needs only dist/ to exist.
    log('tsc reported errors; continuing with what it emitted');
  }
  // What users run: Kysely and Ink as one file each (a tsc-only dist loads Ink's hundreds of modules).
  execFileSync(process.execPath, [join(root, 'scripts', 'bundle-vendor.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (!existsSync(join(root, 'dist', 'src', 'cli', 'index.js'))) throw new Error('dist/src/cli/index.js missing after the build');
}

function machine() {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? '?',
    memoryGB: Math.round(totalmem() / 1e8) / 10,
    freeMemoryGB: Math.round(freemem() / 1e8) / 10,
    node: process.version,
    os: `${platform()} ${release()}`,
  };
}

function writeReadme() {
  const files = readdirSync(resultsDir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const sections = files.map((f) => {
    const r = JSON.parse(readFileSync(join(resultsDir, f), 'utf8'));
    const m = r.machine ?? {};
    return [
      `## ${r.title ?? r.name}`,
      '',
      `Recorded ${r.finishedAt} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB, Node ${m.node} (results: \`bench/results/${f}\`, ${r.durationSeconds} s).`,
      '',
      r.summaryMarkdown.trim(),
      '',
    ].join('\n');
  });
  const text = [
    '# Benchmarks',
    '',
    '`npm run bench` runs every `bench/*.bench.mjs` (or `npm run bench -- NAME` for some), writes',
    '`bench/results/<name>.json` and regenerates this file from all result files. To add a',
    'benchmark, drop a `bench/<name>.bench.mjs` exporting `title` and a default `async run(ctx)`',
    'that returns `{ data, summaryMarkdown }` (see `bench/run.mjs`). Timing is measured here only,',
    'never asserted in tests.',
    '',
    ...sections,
    // Targets a benchmark records as missed, each with the measurement that says where the time
    // goes (hand-written from measured runs: bench/misses.md).
    ...(existsSync(join(benchDir, 'misses.md')) ? [readFileSync(join(benchDir, 'misses.md'), 'utf8').trim(), ''] : []),
  ].join('\n');
  writeFileSync(join(benchDir, 'README.md'), `${text.trimEnd()}\n`);
}

async function main() {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      'npm run bench [-- NAME…]   run every bench/*.bench.mjs (or the named ones)\nnpm run bench -- --readme   only regenerate bench/README.md from bench/results/*.json\n',
    );
    return;
  }
  if (args.includes('--readme')) {
    writeReadme();
    return;
  }
  const wanted = args;
  const all = readdirSync(benchDir)
    .filter((f) => f.endsWith('.bench.mjs'))
    .sort();
  const chosen = wanted.length ? all.filter((f) => wanted.includes(basename(f, '.bench.mjs'))) : all;
  if (wanted.length && chosen.length !== wanted.length) throw new Error(`unknown benchmark(s); known: ${all.map((f) => basename(f, '.bench.mjs')).join(', ')}`);
  build();
  let failed = 0;
  for (const file of chosen) {
    const name = basename(file, '.bench.mjs');
    const mod = await import(pathToFileURL(join(benchDir, file)).href);
    const startedAt = new Date();
    log(`${name}: start`);
    try {
      const ctx = {
        root,
        binary: join(root, 'bin', 'crm-rescue'),
        log: (m) => log(`${name}: ${m}`),
        tmpdir: () => mkdtempSync(join(tmpdir(), `crm-rescue-bench-${name}-`)),
        measure,
      };
      const { data, summaryMarkdown } = await mod.default(ctx);
      const finishedAt = new Date();
      const result = {
        name,
        title: mod.title ?? name,
        startedAt: startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationSeconds: Math.round((finishedAt - startedAt) / 1000),
        machine: machine(),
        summaryMarkdown,
        data,
      };
      writeFileSync(join(resultsDir, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
      log(`${name}: done in ${result.durationSeconds} s → bench/results/${name}.json`);
    } catch (err) {
      failed++;
      log(`${name}: FAILED: ${err?.stack ?? err}`);
    }
  }
  writeReadme();
  log('bench/README.md updated');
  process.exitCode = failed ? 1 : 0;
}

// Importable for its helpers (measure) without running.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
