import { VTIGER_MODULES } from '../../crm/flavours/vtiger.js';
import { column, hasColumns } from '../../crm/schema-index.js';
import type { TableInfo } from '../../dialect/model.js';
import { defineSource } from '../define-source.js';
import { auditTableOf, type AuditContext } from '../source.js';
import type { EventStream } from '../stream.js';
import { filteredIndex, joinUsers, mappedTable, qualified, ref, tableNamed } from './helpers.js';

function modtracker(ctx: Pick<AuditContext, 'snapshot' | 'knowledge'>): TableInfo | undefined {
  if (ctx.knowledge.flavour !== 'vtiger') return undefined;
  return auditTableOf(ctx, 'vtiger-modtracker').find((t) => hasColumns(t, 'id', 'crmid', 'module', 'whodid', 'changedon', 'status'));
}

/**
 * vtiger's modtracker: `vtiger_modtracker_basic` rows with status 1 (deleted). A record still in
 * vtiger_crmentity is in the recycle bin (soft); one that is gone was purged (hard).
 */
export const vtigerModtrackerSource = defineSource({
  id: 'vtiger-modtracker',
  describe: () => 'vtiger modtracker (vtiger_modtracker_basic status = 1), joined to vtiger_crmentity for soft vs purged',
  available: (snapshot, knowledge) => modtracker({ snapshot, knowledge }) !== undefined,
  covers: (ctx, t) => {
    const m = modtracker(ctx);
    return m !== undefined && t.schema === m.schema && t.name.toLowerCase() === 'vtiger_crmentity';
  },
  caveat: () =>
    'tracking is per module (vtiger_modtracker_tabs), and emptying the recycle bin deletes the records’ modtracker rows first: purged records leave no trace here',
  streams(ctx): EventStream[] {
    const m = modtracker(ctx);
    if (!m) return [];
    const r = (n: string) => ref(ctx, 'e', m, n);
    const d = ctx.sql.dialect;
    const crmentity = tableNamed(ctx, m.schema, 'vtiger_crmentity');
    const ceJoin =
      crmentity && column(crmentity, 'crmid')
        ? ` LEFT JOIN ${qualified(ctx, crmentity)} ce ON ce.${d.quoteIdent(column(crmentity, 'crmid')!.name)} = ${r('crmid')}`
        : '';
    const users = joinUsers(ctx, m.schema, r('whodid'), column(m, 'whodid')?.dataType);
    const modules = new Map<string, string>();
    for (const [module, name] of VTIGER_MODULES) {
      const t = tableNamed(ctx, m.schema, name);
      if (t) modules.set(module, t.name);
    }
    return [
      {
        id: 'vtiger-modtracker/basic',
        source: 'vtiger-modtracker',
        from: `${qualified(ctx, m)} e${ceJoin}${users.join}`,
        where: [`${r('status')} = 1`],
        time: { expr: r('changedon'), dataType: column(m, 'changedon')!.dataType },
        order: [r('id')],
        table: mappedTable(ctx, m.schema, r('module'), modules),
        rowKey: { columns: ['crmid'], exprs: [r('crmid')] },
        actor: r('whodid'),
        actorName: users.name,
        kind: ceJoin ? { expr: `CASE WHEN ce.${d.quoteIdent(column(crmentity, 'crmid')!.name)} IS NULL THEN 'hard' ELSE 'soft' END` } : 'soft',
        image: null,
        details: d.textCast(r('module')),
        index: {
          table: { schema: m.schema, name: m.name },
          ...filteredIndex(ctx, 'status', 'status = 1', ['changedon', 'id']),
          rowEstimate: m.rowEstimate,
        },
      },
    ];
  },
});
