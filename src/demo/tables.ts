/**
 * The demo CRM's tables as the loaders see them: column order and a neutral column kind that
 * each engine maps to its own type (PostgreSQL array casts, MySQL literal formats). The DDL
 * itself lives in sql/demo/<engine>/schema.sql and must list the same columns.
 */

/** Neutral column kinds. `ts` values are epoch milliseconds (UTC); `date` values are `YYYY-MM-DD`. */
export type ColumnKind = 'text' | 'int' | 'numeric' | 'ts' | 'date' | 'json' | 'bytes';

/** One column of a demo table. */
export interface DemoColumn {
  name: string;
  kind: ColumnKind;
}

/** The tables of the demo CRM, in load (parent-first) order. Other modules rely on these names. */
export const DEMO_TABLES = ['users', 'accounts', 'contacts', 'accounts_contacts', 'opportunities', 'calls', 'notes', 'history'] as const;

/** A demo table name. */
export type DemoTable = (typeof DEMO_TABLES)[number];

/** Row counts per demo table. */
export type DemoRowCounts = Record<DemoTable, number>;

const c = (name: string, kind: ColumnKind): DemoColumn => ({ name, kind });

/** Columns of every demo table except `history` (which is built on the server, see history.sql). */
export const DEMO_COLUMNS: Record<Exclude<DemoTable, 'history'>, DemoColumn[]> = {
  users: [
    c('id', 'text'),
    c('user_name', 'text'),
    c('first_name', 'text'),
    c('last_name', 'text'),
    c('status', 'text'),
    c('date_entered', 'ts'),
    c('deleted', 'int'),
  ],
  accounts: [
    c('id', 'text'),
    c('name', 'text'),
    c('industry', 'text'),
    c('annual_revenue', 'numeric'),
    c('billing_city', 'text'),
    c('billing_country', 'text'),
    c('description', 'text'),
    c('date_entered', 'ts'),
    c('date_modified', 'ts'),
    c('created_by', 'text'),
    c('modified_user_id', 'text'),
    c('assigned_user_id', 'text'),
    c('deleted', 'int'),
  ],
  contacts: [
    c('id', 'text'),
    c('salutation', 'text'),
    c('first_name', 'text'),
    c('last_name', 'text'),
    c('email', 'text'),
    c('phone_work', 'text'),
    c('title', 'text'),
    c('birthdate', 'date'),
    c('description', 'text'),
    c('preferences', 'json'),
    c('photo', 'bytes'),
    c('date_entered', 'ts'),
    c('date_modified', 'ts'),
    c('created_by', 'text'),
    c('modified_user_id', 'text'),
    c('assigned_user_id', 'text'),
    c('deleted', 'int'),
  ],
  accounts_contacts: [c('id', 'text'), c('account_id', 'text'), c('contact_id', 'text'), c('date_modified', 'ts'), c('deleted', 'int')],
  opportunities: [
    c('id', 'text'),
    c('name', 'text'),
    c('amount', 'numeric'),
    c('sales_stage', 'text'),
    c('close_date', 'date'),
    c('account_id', 'text'),
    c('date_entered', 'ts'),
    c('date_modified', 'ts'),
    c('created_by', 'text'),
    c('modified_user_id', 'text'),
    c('assigned_user_id', 'text'),
    c('deleted', 'int'),
  ],
  calls: [
    c('id', 'text'),
    c('name', 'text'),
    c('status', 'text'),
    c('date_start', 'ts'),
    c('duration_minutes', 'int'),
    c('parent_type', 'text'),
    c('parent_id', 'text'),
    c('date_entered', 'ts'),
    c('date_modified', 'ts'),
    c('created_by', 'text'),
    c('modified_user_id', 'text'),
    c('deleted', 'int'),
  ],
  notes: [
    c('id', 'text'),
    c('name', 'text'),
    c('description', 'text'),
    c('parent_type', 'text'),
    c('parent_id', 'text'),
    c('contact_id', 'text'),
    c('date_entered', 'ts'),
    c('date_modified', 'ts'),
    c('created_by', 'text'),
    c('modified_user_id', 'text'),
    c('deleted', 'int'),
  ],
};

/**
 * Columns of the history rows crm-rescue writes itself: seed-time updates and isolated deletes
 * (staged, then merged in time order) and the incident's deletes. The seed's
 * `create` rows are derived from the loaded tables on the server (sql/demo/<engine>/history.sql).
 */
export const HISTORY_COLUMNS: DemoColumn[] = [
  c('table_name', 'text'),
  c('record_id', 'text'),
  c('action', 'text'),
  c('user_id', 'text'),
  c('changed_at', 'ts'),
  c('changes', 'json'),
];
