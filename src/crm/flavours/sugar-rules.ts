import type { TableInfo } from '../../dialect/model.js';
import type { SoftDeleteMark } from '../flavour.js';
import { ImpliedRelationBuilder } from '../implied.js';
import { column, hasColumns, refOf, SchemaIndex, typesCompatible } from '../schema-index.js';

/**
 * Rules shared by SuiteCRM (SugarCRM CE lineage) and the demo CRM, which has the same shape:
 * char(36) `id` keys, a `deleted` flag, `<x>_id` columns that name their parent table, and
 * polymorphic `parent_type` + `parent_id` whose type is a module name ("Accounts").
 */

/** SuiteCRM module names (as stored in parent_type, bean_module, related_type, …) and their tables. */
export const SUGAR_MODULES: [module: string, table: string][] = [
  ['Accounts', 'accounts'],
  ['Contacts', 'contacts'],
  ['Leads', 'leads'],
  ['Opportunities', 'opportunities'],
  ['Cases', 'cases'],
  ['Bugs', 'bugs'],
  ['Project', 'project'],
  ['ProjectTask', 'project_task'],
  ['Prospects', 'prospects'],
  ['ProspectLists', 'prospect_lists'],
  ['Campaigns', 'campaigns'],
  ['Calls', 'calls'],
  ['Meetings', 'meetings'],
  ['Tasks', 'tasks'],
  ['Notes', 'notes'],
  ['Emails', 'emails'],
  ['Documents', 'documents'],
  ['Users', 'users'],
  ['AOS_Quotes', 'aos_quotes'],
  ['AOS_Invoices', 'aos_invoices'],
  ['AOS_Contracts', 'aos_contracts'],
  ['AOS_Products', 'aos_products'],
  ['AOP_Case_Updates', 'aop_case_updates'],
  ['AOK_KnowledgeBase', 'aok_knowledgebase'],
  ['FP_events', 'fp_events'],
];

/** User columns every Sugar-style record has. */
const USER_COLUMNS = ['created_by', 'modified_user_id', 'assigned_user_id'];

/**
 * `<x>_id` columns that look like a parent reference but are not one: `currency_id` defaults to
 * the magic '-99' (the system currency, which has no row).
 */
const NOT_PARENT_IDS = new Set(['id', 'parent_id', 'currency_id']);

/** The table a `<x>_id` base name points at: x, then its plural forms (account → accounts, opportunity → opportunities). */
function tableForBase(index: SchemaIndex, schema: string, base: string): TableInfo | undefined {
  const candidates = [base, `${base}s`, `${base}es`];
  if (base.endsWith('y')) candidates.push(`${base.slice(0, -1)}ies`);
  for (const name of candidates) {
    const t = index.table(schema, name);
    if (t && column(t, 'id')) return t;
  }
  return undefined;
}

/**
 * A relation table's `<x>_id` may point at a prefixed module table that is part of the relation
 * table's own name: `acl_roles_users.role_id` → acl_roles (not roles),
 * `aos_products_quotes.product_id` → aos_products (the longest such table wins); or that shares
 * its first word: `acl_roles_actions.action_id` → acl_actions.
 */
function tableNamedInChild(index: SchemaIndex, schema: string, child: TableInfo, base: string): TableInfo | undefined {
  const forms = [base, `${base}s`, `${base}es`, ...(base.endsWith('y') ? [`${base.slice(0, -1)}ies`] : [])];
  const childName = child.name.toLowerCase();
  const firstWord = childName.split('_')[0];
  const named = index.tablesIn(schema).filter((x) => {
    const n = x.name.toLowerCase();
    return x !== child && column(x, 'id') && forms.some((f) => n === f || n.endsWith(`_${f}`));
  });
  const longest = (list: TableInfo[]) => list.sort((a, z) => z.name.length - a.name.length)[0];
  // Then a table of the same family (acl_roles_actions.action_id → acl_actions).
  return (
    longest(named.filter((x) => childName.includes(x.name.toLowerCase()))) ??
    onlyOne(named.filter((x) => x.name.toLowerCase().startsWith(`${firstWord}_`) && !forms.includes(x.name.toLowerCase())))
  );
}

/** `<p>_type` + `<p>_id` pairs whose type is not a module: external document systems, messengers. */
const NOT_POLYMORPHIC = new Set(['doc_id', 'messenger_id']);

/**
 * The polymorphic type column paired with `<p>_id`, if any: `<p>_type`, `<p>_module` or `<p>`
 * (`securitygroups_records.record_id` goes with `module`).
 */
function typeColumnFor(table: TableInfo, idColumn: string): string | undefined {
  if (NOT_POLYMORPHIC.has(idColumn.toLowerCase())) return undefined;
  const p = idColumn.slice(0, -'_id'.length);
  for (const name of [`${p}_type`, `${p}_module`, p, ...(p.toLowerCase() === 'record' ? ['module'] : [])]) {
    const c = column(table, name);
    if (c && c.name !== idColumn) return c.name;
  }
  return undefined;
}

/** Options of the Sugar-style relation rules. */
export interface SugarRuleOptions {
  /** Names the CRM in the `why` texts: "SuiteCRM", "demo CRM". */
  crm: string;
  /** Only these tables are considered as children (default: every table of the schema). */
  children?: TableInfo[];
  /** Module values of polymorphic links (default: every SUGAR_MODULES entry whose table exists). */
  modules?: string[];
}

/**
 * Implied relations of a Sugar-style schema, generated only for tables and columns that exist and
 * only where no foreign key is declared:
 * - `<table>_cstm.id_c` → `<table>.id`, `<table>_audit.parent_id` → `<table>.id`;
 * - `created_by`, `modified_user_id`, `assigned_user_id` → `users.id`;
 * - `<x>_id` → the table named x or its plural (`account_id` → accounts), dropping leading words
 *   when that fails (`billing_account_id` → accounts), when the types are compatible;
 * - polymorphic pairs (`parent_type`+`parent_id`, `bean_module`+`bean_id`, `related_type`+
 *   `related_id`, `module`+`record_id`, …): one relation per module value ('Accounts' → accounts);
 * - module-builder relation tables (`a_b_c` with `…_ida`/`…_idb` columns) → the two tables.
 */
export function sugarImpliedRelations(index: SchemaIndex, schema: string, options: SugarRuleOptions): ImpliedRelationBuilder {
  // SuiteCRM writes '' where a reference is empty (acl_actions.created_by).
  const b = new ImpliedRelationBuilder({ noParentValues: [''] });
  const users = index.table(schema, 'users');
  const tables = options.children ?? index.tablesIn(schema);
  const modules = SUGAR_MODULES.filter(([module]) => !options.modules || options.modules.includes(module))
    .map(([module, name]) => ({ module, table: index.table(schema, name) }))
    .filter((m) => m.table);
  for (const t of tables) {
    const lname = t.name.toLowerCase();
    if (lname.endsWith('_cstm') && column(t, 'id_c')) {
      b.link(t, ['id_c'], index.table(schema, t.name.slice(0, -'_cstm'.length)), ['id'], `${options.crm} custom fields of the base row`);
    }
    if (lname.endsWith('_audit') && hasColumns(t, 'parent_id', 'field_name')) {
      b.link(t, ['parent_id'], index.table(schema, t.name.slice(0, -'_audit'.length)), ['id'], `${options.crm} audit rows of the record`);
    }
    for (const name of USER_COLUMNS) b.link(t, [name], users, ['id'], `${options.crm} ${name} holds a user id`);
    for (const c of t.columns) {
      const cname = c.name.toLowerCase();
      if (cname.endsWith('_ida') || cname.endsWith('_idb')) continue;
      if (!cname.endsWith('_id') || cname === 'id' || USER_COLUMNS.includes(cname)) continue;
      const typeColumn = typeColumnFor(t, c.name);
      if (typeColumn) {
        for (const m of modules) {
          b.link(t, [c.name], m.table, ['id'], `${options.crm} polymorphic ${typeColumn} + ${c.name}`, {
            discriminator: { column: typeColumn, value: m.module },
          });
        }
        continue;
      }
      if (NOT_PARENT_IDS.has(cname)) continue;
      if (cname === 'reports_to_id') {
        b.link(t, [c.name], t, ['id'], `${options.crm} reports_to_id: a record of the same table`);
        continue;
      }
      const words = cname.slice(0, -'_id'.length).split('_');
      for (let i = 0; i < words.length; i++) {
        const base = words.slice(i).join('_');
        const parent = (i === 0 ? tableNamedInChild(index, schema, t, base) : undefined) ?? tableForBase(index, schema, base);
        if (!parent) continue;
        const key = column(parent, 'id');
        if (key && typesCompatible(c, key)) b.link(t, [c.name], parent, ['id'], `${options.crm} ${c.name} names ${parent.name}`);
        break;
      }
    }
    // parent_id without a type column: a record of the same table (accounts.parent_id = member of).
    if (column(t, 'parent_id') && !typeColumnFor(t, 'parent_id') && column(t, 'id') && !lname.endsWith('_audit')) {
      const pc = column(t, 'parent_id')!;
      if (typesCompatible(pc, column(t, 'id')!))
        b.link(t, ['parent_id'], t, ['id'], `${options.crm} parent_id without parent_type: a record of the same table`);
    }
    if (t.columns.some((c) => /_ida$/i.test(c.name)) || t.columns.some((c) => /_idb$/i.test(c.name))) {
      moduleBuilderRelation(index, schema, t, b, options.crm);
    }
  }
  return b;
}

/**
 * Module-builder relation tables: `fp_events_contacts_c(fp_events_contactsfp_events_ida,
 * fp_events_contactscontacts_idb)`. A column is `<relation name><table>_ida|_idb`, so the table
 * it ends with decides; long names are cut with a hash (`aos_quotes6b83nvoices_idb`), then the
 * letters after the hash must end exactly one table name; last, the table name is split into
 * `<lhs>_<rhs>[_N][_c]` (ida → lhs, idb → rhs).
 */
function moduleBuilderRelation(index: SchemaIndex, schema: string, t: TableInfo, b: ImpliedRelationBuilder, crm: string): void {
  const entities = index.tablesIn(schema).filter((x) => column(x, 'id') && x !== t);
  const entity = (name: string) => entities.find((x) => x.name.toLowerCase() === name.toLowerCase());
  const endingWith = (tail: string) => entities.filter((x) => x.name.toLowerCase().endsWith(tail));
  let lhs: TableInfo | undefined;
  let rhs: TableInfo | undefined;
  const parts = t.name.replace(/_c$/i, '').replace(/_\d+$/, '').split('_');
  for (let i = 1; i < parts.length && !(lhs && rhs); i++) {
    const l = entity(parts.slice(0, i).join('_'));
    const rest = parts.slice(i).join('_');
    const r = entity(rest) ?? onlyOne(endingWith(rest.toLowerCase()));
    if (l && r) [lhs, rhs] = [l, r];
  }
  const side = (col: string, fallback: TableInfo | undefined) => {
    const base = col.slice(0, -'_ida'.length).toLowerCase();
    const full = entities.filter((x) => x.name.length > 3 && base.endsWith(x.name.toLowerCase())).sort((a, z) => z.name.length - a.name.length)[0];
    if (full) return full;
    const tail = /\d[a-z]*([a-z_]*)$/.exec(base)?.[0].replace(/^\d/, '');
    return (tail && tail.length > 3 ? onlyOne(endingWith(tail)) : undefined) ?? fallback;
  };
  for (const c of t.columns) {
    if (/_ida$/i.test(c.name)) b.link(t, [c.name], side(c.name, lhs), ['id'], `${crm} relation table (left side)`);
    if (/_idb$/i.test(c.name)) b.link(t, [c.name], side(c.name, rhs), ['id'], `${crm} relation table (right side)`);
  }
}

function onlyOne<T>(list: T[]): T | undefined {
  return list.length === 1 ? list[0] : undefined;
}

/**
 * The Sugar-style soft-delete mark: `deleted` = 1, set together with `date_modified` and
 * `modified_user_id` when the table has them. `<table>_cstm` rows follow their base row.
 */
export function sugarSoftDelete(index: SchemaIndex, table: TableInfo): SoftDeleteMark | null {
  const deleted = column(table, 'deleted');
  if (deleted) {
    const dm = column(table, 'date_modified')?.name;
    const mu = column(table, 'modified_user_id')?.name;
    return {
      column: deleted.name,
      kind: 'flag',
      touches: [dm, mu].filter((c): c is string => c !== undefined),
      ...(mu && { actorColumn: mu }),
      ...(dm && { timeColumn: dm }),
    };
  }
  if (table.name.toLowerCase().endsWith('_cstm') && column(table, 'id_c')) {
    const base = index.table(table.schema, table.name.slice(0, -'_cstm'.length));
    const baseMark = base && column(base, 'deleted') ? sugarSoftDelete(index, base) : null;
    if (base && baseMark) return { ...baseMark, via: { table: refOf(base), columns: [column(table, 'id_c')!.name], refColumns: ['id'] } };
  }
  return null;
}
