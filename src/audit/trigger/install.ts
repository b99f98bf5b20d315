import type { Db } from '../../connect/open.js';
import { UsageError, UserError } from '../../errors.js';
import { parseQuotedName } from '../../util/table-ref.js';
import { resolveTables, type InstallOptions, type InstallResult, type UninstallOptions, type UninstallResult } from './model.js';
import { triggerAuditFor } from '../../dialect/trigger-audit.js';

function requireWritable(db: Db, verb: string): void {
  if (db.readOnly) throw new UserError(`audit ${verb} needs a read-write connection`, 'Open the target with openDb(target, { readOnly: false })');
}

/**
 * `crm-rescue audit install`: the trigger audit's log and registry in the internal namespace and
 * DELETE (optionally UPDATE) triggers on the chosen tables. Installing again replaces a table's
 * triggers (after a schema change, MySQL triggers must be rebuilt to see new columns).
 */
export async function installTriggerAudit(db: Db, options: InstallOptions): Promise<InstallResult> {
  requireWritable(db, 'install');
  if (!options.all && !options.tables?.length) throw new UsageError('audit install needs --tables a,b or --all', 'crm-rescue audit install --all');
  if (options.all && options.tables?.length) throw new UsageError('--tables and --all exclude each other', 'Give one of them');
  const snapshot = await db.dialect.introspect(db);
  const tables = options.all ? snapshot.tables : resolveTables(snapshot.tables, options.tables!);
  if (tables.length === 0) throw new UserError(`${snapshot.database} has no tables to audit`, 'Check the target with crm-rescue inspect');
  return triggerAuditFor(db.dialect.engine).install(db, tables, options.updates ?? false);
}

/**
 * `crm-rescue audit uninstall`: removes exactly what install created. Triggers that were already
 * removed by hand are reported, not an error. The log is kept while it holds rows (it may be the
 * only copy of deleted rows) unless `dropLog`.
 */
export async function uninstallTriggerAudit(db: Db, options: UninstallOptions = {}): Promise<UninstallResult> {
  requireWritable(db, 'uninstall');
  let only: { schema: string; name: string }[] | null = null;
  if (options.tables?.length) {
    const snapshot = await db.dialect.introspect(db);
    // A dropped table can still be named in the registry: accept schema.name for it.
    only = options.tables.map((name) => {
      try {
        const [t] = resolveTables(snapshot.tables, [name]);
        return { schema: t.schema, name: t.name };
      } catch (err) {
        const quoted = parseQuotedName(name);
        if (quoted?.schema) return { schema: quoted.schema, name: quoted.name };
        const dot = name.indexOf('.');
        if (dot > 0) return { schema: name.slice(0, dot), name: name.slice(dot + 1) };
        throw err;
      }
    });
  }
  return triggerAuditFor(db.dialect.engine).uninstall(db, only, options.dropLog ?? false);
}
