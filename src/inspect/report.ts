import type { Db } from '../connect/open.js';
import { targetToUrl } from '../connect/target.js';
import type { Privileges, SchemaSnapshot } from '../dialect/model.js';
import { detectCrm } from '../crm/detect.js';
import type { CrmKnowledge, SoftDeleteMark } from '../crm/flavour.js';
import { relationsOf, type Relation } from '../crm/relations.js';
import { identifyingKey, type IdentifyingKey } from '../keys/identifying-key.js';
import { tableLabel } from '../dialect/table-label.js';

/** One table as `inspect` reports it. */
export interface InspectTable {
  schema: string;
  name: string;
  /** Primary key columns, else the first non-null unique key, else null. */
  key: IdentifyingKey | null;
  columns: number;
  rowEstimate: number | null;
  bytes: number;
  softDelete: SoftDeleteMark | null;
  /** Relations where this table is the child (it points at a parent). */
  parents: { table: string; columns: string[]; parentColumns: string[]; source: Relation['source']; note: string; discriminator?: Relation['discriminator'] }[];
  entity: boolean;
}

/** Everything `inspect` shows. */
export interface InspectReport {
  target: string;
  engine: 'postgres' | 'mysql';
  database: string;
  serverVersion: string;
  crm: { flavour: string; name: string; confidence: number; evidence: string[]; auditSources: { table: string; kind: string; description: string }[] };
  privileges: Privileges;
  totals: { tables: number; bytes: number; rowEstimate: number };
  tables: InspectTable[];
}

/** Introspects the target, detects the CRM, and assembles the report. */
export async function buildInspectReport(db: Db): Promise<{ report: InspectReport; snapshot: SchemaSnapshot; knowledge: CrmKnowledge }> {
  const [snapshot, privileges] = await Promise.all([db.dialect.introspect(db), db.dialect.privileges(db)]);
  const knowledge = detectCrm(snapshot);
  const relations = relationsOf(snapshot, knowledge);
  const multiSchema = new Set(snapshot.tables.map((t) => t.schema)).size > 1;
  const display = (schema: string, name: string) => tableLabel(snapshot.engine, schema, name, multiSchema);
  const entity = new Set(knowledge.entityTables.map((t) => `${t.schema}\0${t.name}`));
  const tables = snapshot.tables
    .map((t): InspectTable => ({
      schema: t.schema,
      name: t.name,
      key: identifyingKey(t),
      columns: t.columns.length,
      rowEstimate: t.rowEstimate,
      bytes: t.bytes,
      softDelete: knowledge.softDelete({ schema: t.schema, name: t.name }),
      parents: relations
        .filter((r) => r.child.schema === t.schema && r.child.name === t.name)
        .map((r) => ({
          table: display(r.parent.schema, r.parent.name),
          columns: r.childColumns,
          parentColumns: r.parentColumns,
          source: r.source,
          note: r.note,
          ...(r.discriminator && { discriminator: r.discriminator }),
        })),
      entity: entity.has(`${t.schema}\0${t.name}`),
    }))
    .sort((a, b) => a.schema.localeCompare(b.schema) || a.name.localeCompare(b.name));
  const report: InspectReport = {
    target: targetToUrl(db.target),
    engine: snapshot.engine,
    database: snapshot.database,
    serverVersion: snapshot.serverVersion,
    crm: {
      flavour: knowledge.flavour,
      name: knowledge.name,
      confidence: knowledge.confidence,
      evidence: knowledge.evidence,
      auditSources: knowledge.auditSources.map((a) => ({ table: display(a.table.schema, a.table.name), kind: a.kind, description: a.description })),
    },
    privileges,
    totals: {
      tables: tables.length,
      bytes: tables.reduce((s, t) => s + t.bytes, 0),
      rowEstimate: tables.reduce((s, t) => s + (t.rowEstimate ?? 0), 0),
    },
    tables,
  };
  return { report, snapshot, knowledge };
}
