import { join } from 'node:path';
import { Readable } from 'node:stream';
import { openSqlFile } from '../../backup/catalog.js';
import type { BackupManifest } from '../../backup/manifest.js';
import { findMysqlTool, INSTALL_HINTS } from '../../backup/tools.js';
import type { Target } from '../../connect/target.js';
import { startTool } from '../../exec/run-tool.js';
import { MysqlTableFilter } from '../../stage/mysql-filter.js';
import { mysqlDialect } from './mysql-dialect.js';

/**
 * Restores every table of a split mysqldump into the scratch database. Each table's file goes
 * through the staging filter, as stage does: a dump names its database in trigger, view and
 * routine definitions (`db`.`trigger` ON `db`.`t`), and piping the file unchanged would create
 * them on the live database. Only the CREATE TABLE (renamed into the scratch database) and the
 * rows reach the server; the rest of the backup (schema files) is checked by its sha256 only.
 */
export async function restoreMysql(backupDir: string, manifest: BackupManifest, target: Target, options: { signal?: AbortSignal }): Promise<void> {
  const tool = await findMysqlTool('client');
  const dialect = mysqlDialect;
  const filters: MysqlTableFilter[] = [];
  async function* sql() {
    for (const t of manifest.tables) {
      const filter = new MysqlTableFilter({ table: t.name, target: dialect.quoteQualified(target.database, t.name) });
      filters.push(filter);
      yield* openSqlFile(join(backupDir, t.file)).pipe(filter);
    }
  }
  const proc = await startTool({
    tool: tool.path,
    args: ['--batch', '--binary-mode', '--default-character-set=utf8mb4', `--database=${target.database}`],
    target,
    stdin: Readable.from(sql(), { objectMode: false }),
    stdout: 'ignore',
    signal: options.signal,
    what: `mysql restore of ${manifest.id}`,
    installHint: INSTALL_HINTS.mysql,
  });
  try {
    await proc.done;
  } catch (err) {
    throw filters.find((f) => f.refusal)?.refusal ?? err;
  }
}
