// The plain database clients and shell pipelines the benchmarks run, through zx: one place that
// knows the test servers' addresses, keeps passwords out of argv (PGPASSWORD / MYSQL_PWD in the
// child's environment only) and fails on a non-zero exit, checked by `ok` (zx 8's sync mode does
// not throw its ProcessOutput where a try/catch sees it). Not a benchmark: the runner picks
// *.bench.mjs only.
import { $ } from 'zx';

/** The test servers' admin URLs (the same variables the tests read). */
export const PG_ADMIN = process.env.CRM_RESCUE_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432';
export const MY_ADMIN = process.env.CRM_RESCUE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** Host, port and user flags for psql (never the password). */
export function pgHostArgs(url = PG_ADMIN) {
  const u = new URL(url);
  return ['-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'root')];
}

/** Host, port and user flags for mysql (never the password). */
export function myHostArgs(url = MY_ADMIN) {
  const u = new URL(url);
  return [`-h${u.hostname}`, `-P${u.port || '3306'}`, `-u${decodeURIComponent(u.username || 'root')}`];
}

/** The environment that carries the servers' passwords, if their URLs have any. */
export function clientEnv() {
  const env = { ...process.env };
  const pg = new URL(PG_ADMIN).password;
  const my = new URL(MY_ADMIN).password;
  if (pg) env.PGPASSWORD = decodeURIComponent(pg);
  if (my) env.MYSQL_PWD = decodeURIComponent(my);
  return env;
}

/** A zx shell for the benchmarks: quiet, passwords in the environment; exit codes are checked by `ok`. */
export const sh$ = $({ quiet: true, nothrow: true, env: clientEnv() });

/** A ProcessOutput that exited 0, else an error naming the command, its exit code and stderr's tail. */
export function ok(output, what) {
  if (output.exitCode === 0) return output;
  const why = output.signal ? `was killed by ${output.signal}` : `exited ${output.exitCode}`;
  throw new Error(`${what} ${why}: ${output.stderr.slice(-2000)}`);
}

/** Runs SQL with psql (stops at the first error); its output is dropped, its stderr shown. */
export function psql(db, sql) {
  ok(sh$({ sync: true, stdio: ['ignore', 'ignore', 'inherit'] })`psql -X -q -v ON_ERROR_STOP=1 ${pgHostArgs()} -d ${db} -c ${sql}`, 'psql');
}

/** Runs SQL with mysql (`db` null: no default database); its output is dropped, its stderr shown. */
export function mysqlc(db, sql) {
  ok(sh$({ sync: true, stdio: ['ignore', 'ignore', 'inherit'] })`mysql ${myHostArgs()} ${db ? [db] : []} -e ${sql}`, 'mysql');
}

/** Runs SQL text through the plain client on stdin and returns its stdout (tab-separated, no headers). */
export function sqlRun(engine, db, text) {
  const run = sh$({ sync: true, input: text });
  return engine === 'postgres'
    ? ok(run`psql -X -q -v ON_ERROR_STOP=1 -A -t -F ${'\t'} ${pgHostArgs()} -d ${db ?? 'postgres'}`, 'psql').stdout
    : ok(run`mysql ${myHostArgs()} -B -N ${db ? [db] : []}`, 'mysql').stdout;
}

/** Runs a shell pipeline (its pieces quoted by zx) and returns its stdout, trimmed. */
export function pipe(pieces, ...args) {
  return ok(sh$({ sync: true })(pieces, ...args), 'pipeline').stdout.trim();
}
