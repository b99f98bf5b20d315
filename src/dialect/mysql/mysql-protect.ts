import type { Db } from '../../connect/open.js';
import { UserError } from '../../errors.js';
import { formatSeconds, inspectMysqlBinlog, planBinlogCopy, runBinlogCopy, type MysqlBinlogState } from '../../nobackup/mysql-protect.js';
import type { ProtectAction, ProtectPlan, ProtectRequest } from '../../nobackup/protect-model.js';
import { formatBytes } from '../../util/format.js';
import type { ProtectDialect } from '../protect.js';

/**
 * protect on MySQL/MariaDB: the server keeps the deleted rows only in its binary log, so protect
 * reports what the log holds and, asked to, copies the files covering the incident into the
 * catalog before the server purges them. It changes nothing on the server.
 */
export const mysqlProtect: ProtectDialect = {
  source: { ref: 'binlog', name: 'binary log' },
  writesLive: false,
  backupCaveat: null,
  async plan(db: Db, request: ProtectRequest): Promise<ProtectPlan> {
    const state = await inspectMysqlBinlog(db, request.window ?? {});
    const facts = describeBinlog(state);
    const warnings = [...state.warnings];
    const actions: ProtectAction[] = [];
    if (request.copyBinlogs && state.logBin && !state.files)
      throw new UserError(
        `cannot copy the binary log: the server would not list its files (SHOW BINARY LOGS needs ${state.filesRefused?.privilege ?? 'BINLOG MONITOR / REPLICATION CLIENT'})`,
        `GRANT ${state.filesRefused?.privilege.split(',').pop()?.trim() ?? 'REPLICATION CLIENT'} ON *.* TO the user, or run protect as a user who has it`,
      );
    if (request.release) facts.push('nothing to release: protect changes nothing on a MySQL/MariaDB server');
    if (request.copyBinlogs && state.logBin && state.files && state.covering.length) {
      const plan = await planBinlogCopy(db, state, state.covering, request.catalog);
      if (plan.kept.length) facts.push(`already in the catalog: ${plan.kept.join(', ')} (${plan.dir})`);
      if (plan.files.length) {
        actions.push({
          what: `copy ${plan.files.map((f) => f.name).join(', ')} (${formatBytes(plan.files.reduce((n, f) => n + f.bytes, 0))}) into ${plan.dir}, ${
            plan.via === 'local' ? 'from the server’s files on this machine' : 'from the server as a replica reads them (REPLICATION SLAVE)'
          }`,
          shown: plan.shown,
          async run(signal) {
            const r = await runBinlogCopy(db, state, plan, signal);
            return { result: `copied ${r.copied.map((c) => c.name).join(', ')} into ${r.dir} (sha256 in manifest.json)`, details: r };
          },
        });
      }
    } else if (request.copyBinlogs && state.logBin && state.files) warnings.push('no kept binary-log file covers the window: nothing to copy');
    return {
      source: 'binary log',
      facts,
      warnings,
      unusable: state.problems.length ? state.problems.join('; ') : null,
      details: state,
      actions,
    };
  },
};

/** The binary log's state in lines for humans. */
function describeBinlog(s: MysqlBinlogState): string[] {
  const server = s.version ? ` (${s.version})` : '';
  if (!s.logBin) return [`binary log: OFF${server}`];
  const lines = [`binary log: ON, binlog_format=${s.format ?? '?'}, binlog_row_image=${s.rowImage ?? '?'}${server}`];
  const never = `never purged automatically (${s.expiry.variable}=0): only PURGE BINARY LOGS removes files`;
  const keep = s.expiry.seconds > 0 ? `files are purged ${formatSeconds(s.expiry.seconds)} after they are closed (${s.expiry.variable})` : never;
  if (!s.files) {
    lines.push(keep);
    return lines;
  }
  const total = s.files.reduce((n, f) => n + f.bytes, 0);
  lines.push(`kept files: ${s.files.length} (${formatBytes(total)}); ${keep}`);
  if (s.oldest) {
    const from = s.oldest.firstEventAt ? `, events from ${s.oldest.firstEventAt}` : '';
    const until =
      s.expiry.seconds <= 0
        ? ''
        : s.oldest.expiresAt
          ? `; the server may purge it from ${s.oldest.expiresAt} (at its next log rotation after that)`
          : `; it is the file being written: kept ${formatSeconds(s.expiry.seconds)} after the server moves to a new file`;
    lines.push(`oldest kept: ${s.oldest.name}${from}${until}`);
  }
  lines.push(`files read ${s.local.dir ? 'here' : 'from the server'}: ${s.local.why}`);
  if (s.window) {
    const w = `${s.window.since ?? 'the start'} – ${s.window.until ?? 'now'}`;
    lines.push(`window ${w}: ${s.covering.length ? s.covering.join(', ') : 'no kept file'}`);
  }
  return lines;
}
