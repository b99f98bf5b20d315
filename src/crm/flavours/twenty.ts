import type { SchemaSnapshot, TableInfo } from '../../dialect/model.js';
import type { AuditSourceRef, CrmKnowledge, Flavour, TableRef } from '../flavour.js';
import { ImpliedRelationBuilder } from '../implied.js';
import { column, hasColumns, listNames, refOf, SchemaIndex, typeFamily } from '../schema-index.js';
import { NOT_FOUND, scoreSignals, type Detection } from '../score.js';
import { commonSoftDelete } from './generic.js';

/** Standard objects, most important first. */
const ENTITIES = ['company', 'person', 'opportunity', 'note', 'task', 'workspaceMember'];

/** Relation columns whose name does not name their table. */
const ALIASES: Record<string, string> = {
  createdByWorkspaceMemberId: 'workspaceMember',
  accountOwnerId: 'workspaceMember',
  assigneeId: 'workspaceMember',
  authorId: 'workspaceMember',
  pointOfContactId: 'person',
};

/**
 * Twenty keeps each workspace in its own schema (`workspace_<id>`) of quoted camelCase tables.
 * A workspace schema is one with `company` and `person` tables carrying `"deletedAt"`; schemas
 * named `workspace_*` come first.
 */
export function twentyWorkspaceSchemas(index: SchemaIndex): string[] {
  return index.schemas
    .filter((s) => hasColumns(index.table(s, 'company'), 'id', 'deletedAt') && hasColumns(index.table(s, 'person'), 'id', 'deletedAt'))
    .sort((a, b) => Number(b.startsWith('workspace_')) - Number(a.startsWith('workspace_')) || a.localeCompare(b));
}

/** Scores a snapshot as Twenty. */
export function detectTwenty(snapshot: SchemaSnapshot): Detection {
  const index = new SchemaIndex(snapshot);
  const schemas = twentyWorkspaceSchemas(index);
  if (schemas.length === 0) return NOT_FOUND;
  const anyHas = (name: string, ...cols: string[]) => schemas.some((s) => hasColumns(index.table(s, name), ...cols));
  const targets = ['noteTarget', 'taskTarget'].filter((n) => anyHas(n, 'id'));
  const objects = ['opportunity', 'note', 'task'].filter((n) => anyHas(n, 'id', 'deletedAt'));
  const named = schemas.filter((s) => s.startsWith('workspace_'));
  const platform = index.table('core', 'workspace') ?? index.table('metadata', 'objectMetadata') ?? index.table('core', 'objectMetadata');
  return scoreSignals([
    { ok: true, weight: 0.3, evidence: `schemas ${listNames(schemas, 3)} with company and person ("deletedAt")` },
    { ok: named.length > 0, weight: 0.1, evidence: 'workspace_* schema names' },
    { ok: anyHas('timelineActivity', 'happensAt', 'name', 'properties'), weight: 0.2, evidence: 'timelineActivity(happensAt, name, properties)' },
    { ok: targets.length > 0, weight: 0.1, evidence: `tables ${targets.join(', ')}` },
    { ok: anyHas('workspaceMember', 'id'), weight: 0.1, evidence: 'workspaceMember' },
    { ok: objects.length > 0, weight: 0.1, evidence: `tables ${objects.join(', ')}` },
    { ok: platform !== undefined, weight: 0.1, evidence: `${platform?.schema}.${platform?.name}` },
  ]);
}

/** Twenty (PostgreSQL). */
export const twentyFlavour: Flavour = {
  id: 'twenty',
  name: 'Twenty',
  detect: detectTwenty,
  knowledge(snapshot, detection): CrmKnowledge {
    const index = new SchemaIndex(snapshot);
    const schemas = twentyWorkspaceSchemas(index);
    const inWorkspace = new Set(schemas);
    const b = new ImpliedRelationBuilder();
    const entityTables: TableRef[] = [];
    const auditSources: AuditSourceRef[] = [];
    for (const schema of schemas) {
      const t = (n: string) => index.table(schema, n);
      const tables = index.tablesIn(schema);
      for (const table of tables) {
        for (const c of table.columns) {
          if (!c.name.endsWith('Id') || c.name === 'id' || typeFamily(c.dataType) !== 'uuid') continue;
          const stem = c.name.slice(0, -2);
          const target = ALIASES[c.name] ?? (/^target[A-Z]/.test(stem) ? lowerFirst(stem.slice('target'.length)) : stem);
          const parent = t(target);
          if (parent && column(parent, 'id')) b.link(table, [c.name], parent, ['id'], `Twenty ${c.name} holds a ${parent.name} id (no foreign key declared)`);
        }
      }
      const custom = tables.filter((x) => x.name.startsWith('_') && column(x, 'deletedAt'));
      entityTables.push(...[...ENTITIES.map(t), ...custom].filter((x): x is TableInfo => x !== undefined).map(refOf));
      const timeline = t('timelineActivity');
      if (timeline) {
        auditSources.push({
          table: refOf(timeline),
          kind: 'twenty-timeline',
          description: `timeline of ${schema} (happensAt, name, properties, workspaceMemberId); a delete is name '<object>.deleted' (company.deleted, person.deleted, …) with properties.before holding the record. Rows of a destroyed company or person cascade away with it`,
        });
      }
      const auditLog = t('auditLog');
      if (auditLog)
        auditSources.push({
          table: refOf(auditLog),
          kind: 'twenty-audit-log',
          description: `audit log of ${schema} (name, properties, recordId, workspaceMemberId)`,
        });
    }
    return {
      flavour: 'twenty',
      name: twentyFlavour.name,
      confidence: detection.score,
      evidence: detection.evidence,
      entityTables,
      softDelete(ref) {
        const table = index.get(ref);
        if (!table) return null;
        if (!inWorkspace.has(table.schema)) return commonSoftDelete(snapshot, ref);
        const deletedAt = column(table, 'deletedAt');
        if (!deletedAt) return null;
        // Soft delete is TypeORM's softDelete: "deletedAt" and the update-date column "updatedAt"
        // are both set to now (Twenty declares updatedAt as updateDate). "Destroy" is a real DELETE.
        const updatedAt = column(table, 'updatedAt');
        return { column: deletedAt.name, kind: 'timestamp', touches: updatedAt ? [updatedAt.name] : [], timeColumn: deletedAt.name };
      },
      impliedRelations: b.list(),
      auditSources,
    };
  },
};

function lowerFirst(s: string): string {
  return s ? s[0].toLowerCase() + s.slice(1) : s;
}
