import { column, hasColumns } from '../../crm/schema-index.js';
import type { TableInfo } from '../../dialect/model.js';
import { defineSource } from '../define-source.js';
import { auditTableOf, type AuditContext } from '../source.js';
import type { EventStream } from '../stream.js';
import { dolibarrPrefix } from './dolibarr-agenda.js';
import { joinUsers, mappedTable, qualified, ref, tableNamed } from './helpers.js';

function securityEvents(ctx: Pick<AuditContext, 'snapshot' | 'knowledge'>): TableInfo | undefined {
  if (ctx.knowledge.flavour !== 'dolibarr') return undefined;
  return auditTableOf(ctx, 'dolibarr-security-events').find((t) => hasColumns(t, 'rowid', 'type', 'dateevent'));
}

/** Security event types that delete an object → table without the prefix. */
const TYPES: [type: string, table: string][] = [
  ['USER_DELETE', 'user'],
  ['USERGROUP_DELETE', 'usergroup'],
  ['GROUP_DELETE', 'usergroup'],
];

/** Dolibarr's security events (`llx_events`): types ending in _DELETE (USER_DELETE, …). Hard. */
export const dolibarrSecurityEventsSource = defineSource({
  id: 'dolibarr-security-events',
  describe: () => "Dolibarr security events (events type LIKE '%_DELETE', e.g. USER_DELETE)",
  available: (snapshot, knowledge) => securityEvents({ snapshot, knowledge }) !== undefined,
  caveat: () => 'only when security event logging is enabled for those types (Setup → Security → Audit)',
  streams(ctx): EventStream[] {
    const ev = securityEvents(ctx);
    if (!ev) return [];
    const r = (n: string) => ref(ctx, 'e', ev, n);
    const d = ctx.sql.dialect;
    const prefix = dolibarrPrefix(ev.name, 'events');
    const map = new Map<string, string>();
    for (const [type, bare] of TYPES) {
      const t = tableNamed(ctx, ev.schema, `${prefix}${bare}`);
      if (t) map.set(type, t.name);
    }
    const actor = column(ev, 'fk_user') ? r('fk_user') : null;
    const users = actor ? joinUsers(ctx, ev.schema, actor, column(ev, 'fk_user')?.dataType) : { join: '', name: null };
    return [
      {
        id: 'dolibarr-security-events/events',
        source: 'dolibarr-security-events',
        from: `${qualified(ctx, ev)} e${users.join}`,
        where: [`${r('type')} LIKE ${d.quoteLiteral('%\\_DELETE')}`],
        time: { expr: r('dateevent'), dataType: column(ev, 'dateevent')!.dataType },
        order: [r('rowid')],
        table: mappedTable(ctx, ev.schema, r('type'), map),
        rowKey: { columns: ['rowid'], exprs: [column(ev, 'fk_object') ? r('fk_object') : 'NULL'] },
        actor,
        actorName: users.name,
        kind: 'hard',
        image: null,
        details: column(ev, 'description') ? d.textCast(r('description')) : null,
        index: { table: { schema: ev.schema, name: ev.name }, columns: ['dateevent', 'rowid'], rowEstimate: ev.rowEstimate },
      },
    ];
  },
});
