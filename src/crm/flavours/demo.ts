import type { SchemaSnapshot, TableInfo } from '../../dialect/model.js';
import type { CrmKnowledge, Flavour } from '../flavour.js';
import { column, hasColumns, listNames, refOf, SchemaIndex } from '../schema-index.js';
import { NOT_FOUND, scoreSignals, type Detection } from '../score.js';
import { commonSoftDelete } from './generic.js';
import { customTables, auditTables, isDemoHistory, SUITE_ONLY } from './suitecrm.js';
import { sugarImpliedRelations, sugarSoftDelete } from './sugar-rules.js';

/** The demo CRM's tables (sql/demo/), the same names on both engines. */
const TABLES = ['users', 'accounts', 'contacts', 'accounts_contacts', 'opportunities', 'calls', 'notes', 'history'];

/** Entity tables, most important first. */
const ENTITIES = ['accounts', 'contacts', 'opportunities', 'calls', 'notes', 'users'];

/** Tables whose changes the history log records (history.table_name values). */
const LOGGED = ['accounts', 'contacts', 'accounts_contacts', 'opportunities', 'calls', 'notes', 'users'];

function homeSchema(index: SchemaIndex): string | undefined {
  return index.homeSchema(TABLES);
}

/** Scores a snapshot as crm-rescue's demo CRM. */
export function detectDemo(snapshot: SchemaSnapshot): Detection {
  const index = new SchemaIndex(snapshot);
  const schema = homeSchema(index);
  if (!schema) return NOT_FOUND;
  const history = index.table(schema, 'history');
  const core = ['accounts', 'contacts', 'accounts_contacts'].filter((n) => index.table(schema, n));
  if (core.length < 3) return NOT_FOUND;
  const more = ['users', 'opportunities', 'calls', 'notes'].filter((n) => index.table(schema, n));
  const ac = index.table(schema, 'accounts_contacts');
  const suiteOnly = [
    ...SUITE_ONLY.filter((n) => index.table(schema, n)),
    ...customTables(index, schema).map((t) => t.name),
    ...auditTables(index, schema).map((t) => t.name),
  ];
  const logged = isDemoHistory(history);
  // Without its change log (`demo --audit-trigger` drops it) the demo is a SuiteCRM-shaped
  // schema: only declared foreign keys (SuiteCRM declares none) and the absence of every
  // SuiteCRM system table tell it apart, so both are then required.
  if (!logged && ((ac?.foreignKeys.length ?? 0) === 0 || suiteOnly.length > 0)) return NOT_FOUND;
  return scoreSignals([
    logged
      ? { ok: true, weight: 0.4, evidence: 'change log history(id, table_name, record_id, action, user_id, changed_at, changes)' }
      : { ok: true, weight: 0.15, evidence: 'no change log of its own (history dropped: the trigger audit records deletions)' },
    { ok: true, weight: 0.25, evidence: `tables ${core.join(', ')}` },
    { ok: more.length > 0, weight: 0.025 * more.length, evidence: `tables ${more.join(', ')}` },
    {
      ok: hasColumns(index.table(schema, 'accounts'), 'id', 'deleted', 'date_modified') && hasColumns(index.table(schema, 'contacts'), 'id', 'deleted'),
      weight: 0.1,
      evidence: 'deleted flags on accounts and contacts',
    },
    { ok: (ac?.foreignKeys.length ?? 0) > 0, weight: 0.15, evidence: 'accounts_contacts declares foreign keys (SuiteCRM declares none)' },
    { ok: suiteOnly.length === 0, weight: 0.1, evidence: 'none of SuiteCRM’s system tables (config, relationships, *_cstm, *_audit)' },
    { ok: suiteOnly.length > 0, weight: -0.5, evidence: `SuiteCRM tables ${listNames(suiteOnly, 4)}` },
  ]);
}

/** crm-rescue's own SuiteCRM-shaped sandbox CRM (`crm-rescue demo`). */
export const demoFlavour: Flavour = {
  id: 'demo',
  name: 'crm-rescue demo CRM',
  detect: detectDemo,
  knowledge(snapshot, detection): CrmKnowledge {
    const index = new SchemaIndex(snapshot);
    const schema = homeSchema(index) ?? snapshot.schemas[0];
    const present = (names: string[]) => names.map((n) => index.table(schema, n)).filter((t): t is TableInfo => t !== undefined);
    const builder = sugarImpliedRelations(index, schema, {
      crm: 'demo CRM',
      children: present(TABLES),
      modules: ['Accounts', 'Contacts', 'Opportunities'],
    });
    const history = index.table(schema, 'history');
    if (history && column(history, 'table_name')) {
      for (const t of present(LOGGED)) {
        builder.link(history, ['record_id'], t, ['id'], 'demo CRM change log entry of the record', {
          discriminator: { column: column(history, 'table_name')!.name, value: t.name },
        });
      }
    }
    return {
      flavour: 'demo',
      name: demoFlavour.name,
      confidence: detection.score,
      evidence: detection.evidence,
      entityTables: present(ENTITIES).map(refOf),
      softDelete(ref) {
        const t = index.get(ref);
        if (!t) return null;
        if (t.schema !== schema) return commonSoftDelete(snapshot, ref);
        return sugarSoftDelete(index, t);
      },
      impliedRelations: builder.list(),
      auditSources: history
        ? [
            {
              table: refOf(history),
              kind: 'demo-history',
              description: 'the demo CRM’s change log: one row per change (table_name, record_id, action, user_id, changed_at, changes)',
            },
          ]
        : [],
    };
  },
};
