import type { Db } from '../connect/open.js';
import { buildInspectReport, type InspectReport, type InspectTable } from '../inspect/report.js';
import { identifyingKey } from '../keys/identifying-key.js';
import type { SchemaSnapshot } from '../dialect/model.js';
import type { ConsoleServices, RelationSummary, TableDetail, TableSummary } from './services.js';
import { tableLabel } from '../dialect/table-label.js';

/** Optional providers later modules plug in (backup catalog, audit). */
export type ServiceExtensions = Pick<ConsoleServices, 'lastBackup' | 'deletionSpikes' | 'audit' | 'backups' | 'stage' | 'diff' | 'merge'>;

/**
 * The console's services over a live (read-only) connection. The target is introspected once,
 * on first use, and every screen reads that snapshot; a failed read is retried on the next call.
 */
export function servicesFromDb(db: Db, extensions: ServiceExtensions = {}): ConsoleServices {
  let pending: Promise<{ report: InspectReport; snapshot: SchemaSnapshot }> | undefined;
  const load = () => {
    pending ??= buildInspectReport(db).catch((err: unknown) => {
      pending = undefined;
      throw err;
    });
    return pending;
  };
  return {
    async loadOverview() {
      const { report } = await load();
      return {
        target: report.target,
        engine: report.engine,
        database: report.database,
        serverVersion: report.serverVersion,
        crm: { flavour: report.crm.flavour, name: report.crm.name, confidence: report.crm.confidence, evidence: report.crm.evidence },
        totals: report.totals,
      };
    },
    async listTables() {
      const { report } = await load();
      return report.tables.map((t) => summary(report, t));
    },
    async tableDetail(id) {
      const { report, snapshot } = await load();
      const t = report.tables.find((x) => `${x.schema}.${x.name}` === id);
      const info = snapshot.tables.find((x) => `${x.schema}.${x.name}` === id);
      if (!t || !info) throw new Error(`table ${id} is not in the snapshot`);
      const me = summary(report, t);
      const pk = new Set(info.primaryKey?.columns ?? []);
      const uk = new Set(info.uniqueKeys.flatMap((k) => k.columns));
      const relations: RelationSummary[] = [
        ...t.parents.map((p): RelationSummary => ({
          direction: 'parent',
          table: p.table,
          columns: p.columns,
          otherColumns: p.parentColumns,
          source: p.source,
          note: p.note,
        })),
        ...report.tables.flatMap((child) =>
          child.parents
            .filter((p) => p.table === me.display)
            .map((p): RelationSummary => ({
              direction: 'child',
              table: displayName(report, child),
              columns: p.parentColumns,
              otherColumns: p.columns,
              source: p.source,
              note: p.note,
            })),
        ),
      ];
      const detail: TableDetail = {
        table: me,
        columns: [...info.columns]
          .sort((a, b) => a.ordinal - b.ordinal)
          .map((c) => ({
            name: c.name,
            dataType: c.dataType,
            nullable: c.nullable,
            default: c.default,
            keyRole: pk.has(c.name) ? 'PK' : uk.has(c.name) ? 'UK' : '',
          })),
        primaryKey: identifyingKey(info)?.kind === 'primary' ? info.primaryKey!.columns : null,
        uniqueKeys: info.uniqueKeys.map((k) => ({ name: k.name, columns: k.columns, nullable: k.nullable })),
        relations,
      };
      return detail;
    },
    ...extensions,
  };
}

function displayName(report: InspectReport, t: InspectTable): string {
  const multiSchema = new Set(report.tables.map((x) => x.schema)).size > 1;
  return tableLabel(report.engine, t.schema, t.name, multiSchema);
}

function summary(report: InspectReport, t: InspectTable): TableSummary {
  const key = t.key ? (t.key.kind === 'primary' ? t.key.columns.join(',') : `${t.key.columns.join(',')} (unique)`) : null;
  return {
    id: `${t.schema}.${t.name}`,
    schema: t.schema,
    name: t.name,
    display: displayName(report, t),
    key,
    rowEstimate: t.rowEstimate,
    bytes: t.bytes,
    softDelete: t.softDelete?.column ?? null,
    entity: t.entity,
  };
}
