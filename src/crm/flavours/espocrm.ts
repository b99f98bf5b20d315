import type { SchemaSnapshot, TableInfo } from '../../dialect/model.js';
import type { AuditSourceRef, CrmKnowledge, Flavour } from '../flavour.js';
import { ImpliedRelationBuilder } from '../implied.js';
import { column, hasColumns, refOf, SchemaIndex, typesCompatible } from '../schema-index.js';
import { NOT_FOUND, scoreSignals, type Detection } from '../score.js';
import { commonSoftDelete } from './generic.js';

/** EspoCRM entity tables, most important first (table = snake_case of the entity type). */
const ENTITIES = [
  'account',
  'contact',
  'lead',
  'opportunity',
  'case',
  'call',
  'meeting',
  'task',
  'email',
  'document',
  'campaign',
  'knowledge_base_article',
  'target_list',
  'user',
];

/** Entity types that polymorphic links (parent_type, target_type, entity_type) may name. */
const POLYMORPHIC_TARGETS = [...ENTITIES, 'team', 'note', 'target', 'email_address', 'phone_number', 'portal_user'];

/** `<x>_id` columns that are not links: `delete_id` makes unique keys work with soft deletes. */
const NOT_LINKS = new Set(['id', 'delete_id']);

/** The entity type stored in `*_type` columns for a table: `knowledge_base_article` → `KnowledgeBaseArticle`. */
export function espoEntityType(table: string): string {
  return table
    .split('_')
    .map((w) => (w ? w[0].toUpperCase() + w.slice(1) : w))
    .join('');
}

function homeSchema(index: SchemaIndex): string | undefined {
  return index.homeSchema(['account', 'contact', 'account_contact', 'action_history_record', 'entity_email_address', 'user']);
}

/** Custom entities (`c_*` tables with EspoCRM's id and deleted columns). */
function customEntities(index: SchemaIndex, schema: string): TableInfo[] {
  return index.tablesIn(schema).filter((t) => /^c_/i.test(t.name) && hasColumns(t, 'id', 'deleted', 'created_at'));
}

/** Scores a snapshot as EspoCRM. */
export function detectEspoCrm(snapshot: SchemaSnapshot): Detection {
  const index = new SchemaIndex(snapshot);
  const schema = homeSchema(index);
  if (!schema) return NOT_FOUND;
  const t = (n: string) => index.table(schema, n);
  const core = ['account', 'contact', 'user'].filter((n) => hasColumns(t(n), 'id', 'deleted'));
  if (core.length === 0) return NOT_FOUND;
  const entityLinks = ['entity_email_address', 'entity_phone_number', 'entity_team', 'entity_user'].filter((n) => hasColumns(t(n), 'entity_id', 'entity_type'));
  const system = ['system_data', 'scheduled_job', 'job', 'preferences', 'layout_set', 'auth_token'].filter((n) => t(n));
  return scoreSignals([
    { ok: true, weight: 0.08 * core.length, evidence: `tables ${core.join(', ')} with id and deleted` },
    {
      ok: hasColumns(t('account'), 'created_by_id', 'modified_by_id', 'modified_at'),
      weight: 0.1,
      evidence: 'account(created_by_id, modified_by_id, modified_at)',
    },
    { ok: hasColumns(t('account_contact'), 'account_id', 'contact_id', 'deleted'), weight: 0.15, evidence: 'account_contact(account_id, contact_id, deleted)' },
    {
      ok: hasColumns(t('action_history_record'), 'target_type', 'target_id', 'action'),
      weight: 0.2,
      evidence: 'action_history_record(target_type, target_id, action)',
    },
    { ok: entityLinks.length > 0, weight: 0.1, evidence: `tables ${entityLinks.join(', ')}` },
    { ok: hasColumns(t('note'), 'parent_type', 'super_parent_type'), weight: 0.1, evidence: 'stream table note(parent_type, super_parent_type)' },
    { ok: system.length >= 2, weight: 0.1, evidence: `tables ${system.join(', ')}` },
  ]);
}

/** EspoCRM (MySQL/MariaDB, PostgreSQL). */
export const espocrmFlavour: Flavour = {
  id: 'espocrm',
  name: 'EspoCRM',
  detect: detectEspoCrm,
  knowledge(snapshot, detection): CrmKnowledge {
    const index = new SchemaIndex(snapshot);
    const schema = homeSchema(index) ?? snapshot.schemas[0];
    const t = (n: string) => index.table(schema, n);
    const entity = (n: string) => {
      const x = t(n);
      return x && column(x, 'id') ? x : undefined;
    };
    const custom = customEntities(index, schema);
    const targets = [...POLYMORPHIC_TARGETS.map(entity), ...custom].filter((x): x is TableInfo => x !== undefined);
    const users = entity('user');
    const b = new ImpliedRelationBuilder({ noParentValues: [''] });
    for (const table of index.tablesIn(schema)) {
      for (const c of table.columns) {
        const cname = c.name.toLowerCase();
        if (!cname.endsWith('_id') || NOT_LINKS.has(cname)) continue;
        const p = cname.slice(0, -'_id'.length);
        const typeColumn = column(table, `${p}_type`);
        if (typeColumn) {
          for (const target of targets) {
            b.link(table, [c.name], target, ['id'], `EspoCRM polymorphic ${typeColumn.name} + ${c.name}`, {
              discriminator: { column: typeColumn.name, value: espoEntityType(target.name) },
            });
          }
          continue;
        }
        if (cname === 'parent_id') {
          // A tree (document_folder, knowledge_base_category): the parent is a row of the same table.
          const own = column(table, 'id');
          if (own && typesCompatible(c, own)) b.link(table, [c.name], table, [own.name], 'EspoCRM parent_id without parent_type: a row of the same table');
          continue;
        }
        if (cname.endsWith('_by_id') || cname === 'assigned_user_id') {
          b.link(table, [c.name], users, ['id'], `EspoCRM ${c.name} holds a user id`);
          continue;
        }
        // account_id → account; created_account_id → account; from_email_address_id → email_address.
        const words = p.split('_');
        for (let i = 0; i < words.length; i++) {
          const parent = entity(words.slice(i).join('_'));
          if (!parent) continue;
          if (typesCompatible(c, column(parent, 'id')!)) b.link(table, [c.name], parent, ['id'], `EspoCRM ${c.name} names ${parent.name}`);
          break;
        }
      }
    }
    const auditSources: AuditSourceRef[] = [];
    const ahr = t('action_history_record');
    if (ahr) {
      auditSources.push({
        table: refOf(ahr),
        kind: 'espocrm-action-history',
        description: "user actions (target_type, target_id, action, user_id, created_at); a delete is action = 'delete'. Purged after 15 days by default",
      });
    }
    const note = t('note');
    if (hasColumns(note, 'parent_type', 'parent_id', 'type')) {
      auditSources.push({
        table: refOf(note),
        kind: 'espocrm-stream',
        description: 'stream notes of records (parent_type, parent_id, type: Create, Update, Status, Relate, …)',
      });
    }
    return {
      flavour: 'espocrm',
      name: espocrmFlavour.name,
      confidence: detection.score,
      evidence: detection.evidence,
      entityTables: [...ENTITIES.map(entity), ...custom].filter((x): x is TableInfo => x !== undefined).map(refOf),
      softDelete(ref) {
        const table = index.get(ref);
        if (!table) return null;
        if (table.schema !== schema) return commonSoftDelete(snapshot, ref);
        const deleted = column(table, 'deleted');
        if (!deleted) return null;
        const at = column(table, 'modified_at')?.name;
        const by = column(table, 'modified_by_id')?.name;
        return {
          column: deleted.name,
          kind: 'flag',
          touches: [at, by].filter((c): c is string => c !== undefined),
          ...(by && { actorColumn: by }),
          ...(at && { timeColumn: at }),
        };
      },
      impliedRelations: b.list(),
      auditSources,
    };
  },
};
