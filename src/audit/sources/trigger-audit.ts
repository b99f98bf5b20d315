import { defineSource } from '../define-source.js';
import type { EventStream } from '../stream.js';
import { LOG_TABLE } from '../trigger/state.js';

/**
 * crm-rescue's own trigger audit (`crm-rescue audit install`): the log in the internal
 * namespace holds every deleted row in full, with database user, application user and
 * transaction.
 */
export const triggerAuditSource = defineSource({
  id: 'trigger-audit',
  describe: () => 'crm-rescue trigger audit (audit install): the full old row of every DELETE on audited tables',
  available: (_snapshot, _knowledge, ctx) => ctx.triggerAudit.logPresent,
  caveat: (ctx) =>
    ctx.triggerAudit.tables.length === 0
      ? 'no table has audit triggers right now (crm-rescue audit install --all); the log holds what was recorded before'
      : 'TRUNCATE and deletes made while the triggers were absent are not recorded',
  streams(ctx): EventStream[] {
    const st = ctx.triggerAudit;
    if (!st.logPresent) return [];
    const d = ctx.sql.dialect;
    const details = d.jsonObject([
      ['dbUser', 'e.db_user'],
      ['appUser', 'e.app_user'],
      ['txid', 'e.txid'],
      ['operation', 'e.operation'],
    ]);
    return [
      {
        id: 'trigger-audit/log',
        source: 'trigger-audit',
        from: `${d.quoteQualified(st.namespace, LOG_TABLE)} e`,
        where: [`e.operation = 'DELETE'`],
        time: { expr: 'e.logged_at', dataType: ctx.sql.logTimeType },
        order: ['e.id'],
        table: { schemaExpr: 'e.table_schema', nameExpr: 'e.table_name' },
        rowKey: { json: ctx.sql.jsonText('e.row_key') },
        actor: 'COALESCE(e.app_user, e.db_user)',
        actorName: null,
        kind: 'hard',
        image: ctx.sql.jsonText('e.old_row'),
        details,
        detailsJson: true,
        index: { table: { schema: st.namespace, name: LOG_TABLE }, columns: ['logged_at', 'id'], rowEstimate: st.logRowEstimate },
      },
    ];
  },
});
