import type { SchemaSnapshot, TableInfo } from '../dialect/model.js';

/** The CRMs crm-rescue knows. `generic` is any other schema. */
export type FlavourId = 'suitecrm' | 'vtiger' | 'espocrm' | 'dolibarr' | 'odoo' | 'twenty' | 'demo' | 'generic';

/** A reference to a table in the snapshot. */
export interface TableRef {
  schema: string;
  name: string;
}

/**
 * How a table marks a row as deleted without removing it.
 * - `flag`: deleted when the column is 1/true (SuiteCRM, vtiger `deleted`, EspoCRM).
 * - `timestamp`: deleted when the column is NOT NULL (Twenty `deletedAt`).
 * - `active`: deleted (archived) when the column is false (Odoo `active`).
 */
export interface SoftDeleteMark {
  column: string;
  kind: 'flag' | 'timestamp' | 'active';
  /** Columns the CRM sets together with the mark (`date_modified`, `modified_user_id`). */
  touches: string[];
  /** The column holding who deleted it, when the CRM records that on the row. */
  actorColumn?: string;
  /** The column holding when, when the CRM records that on the row. */
  timeColumn?: string;
  /**
   * Set when the mark lives on another table's row: vtiger module tables (`vtiger_account`) are
   * soft-deleted through their `vtiger_crmentity` row, SuiteCRM `<table>_cstm` rows through their
   * base row. Then `column`, `touches`, `actorColumn` and `timeColumn` are columns of `via.table`
   * (not of the table asked about), and a row is deleted when the `via.table` row whose
   * `via.refColumns` equal this row's `via.columns` carries the mark.
   */
  via?: { table: TableRef; columns: string[]; refColumns: string[] };
}

/** A relation the CRM uses but does not declare as a foreign key. */
export interface ImpliedRelation {
  child: TableRef;
  childColumns: string[];
  parent: TableRef;
  parentColumns: string[];
  /** Polymorphic link: the relation holds only for child rows where `column = value`. */
  discriminator?: { column: string; value: string };
  /** Why we believe it, in a few words ("SuiteCRM relation table"). */
  why: string;
  /**
   * Child values that mean "no parent" besides NULL, so they are no missing parent: SuiteCRM
   * writes '' (`acl_actions.created_by`), Dolibarr and vtiger write 0 (`fk_parent = 0`).
   */
  noParentValues?: string[];
}

/** A table (or set) where the CRM records history. */
export interface AuditSourceRef {
  table: TableRef;
  /**
   * What reads it: `suitecrm-audit`, `vtiger-modtracker`, `vtiger-modtracker-detail`,
   * `vtiger-recycle-bin`, `espocrm-action-history`, `espocrm-stream`, `dolibarr-agenda`,
   * `dolibarr-security-events`, `dolibarr-blockedlog`, `odoo-mail-message`, `odoo-mail-tracking`,
   * `odoo-auditlog`, `odoo-auditlog-line`, `twenty-timeline`, `twenty-audit-log`, `demo-history`.
   */
  kind: string;
  description: string;
}

/** What a flavour knows about one concrete database. */
export interface CrmKnowledge {
  flavour: FlavourId;
  /** Human name: "SuiteCRM / SugarCRM CE". */
  name: string;
  /** 0..1: how sure detection is. */
  confidence: number;
  /** Why this flavour was chosen: tables and columns seen. */
  evidence: string[];
  /** The business entities present (accounts, contacts, …), most important first. */
  entityTables: TableRef[];
  /** Soft-delete mark of a table, or null. Generic knowledge also recognises common columns. */
  softDelete(table: TableRef): SoftDeleteMark | null;
  /** Relations the CRM implies without declaring them (declared FKs come from introspection). */
  impliedRelations: ImpliedRelation[];
  /** Where the CRM keeps history. */
  auditSources: AuditSourceRef[];
}

/** A CRM flavour module. */
export interface Flavour {
  id: FlavourId;
  name: string;
  /** Scores the snapshot: 0 when it is surely not this CRM; evidence explains the score. */
  detect(snapshot: SchemaSnapshot): { score: number; evidence: string[] };
  /** Builds the knowledge for a snapshot detected as this flavour. */
  knowledge(snapshot: SchemaSnapshot, detection: { score: number; evidence: string[] }): CrmKnowledge;
}

/** Finds a table by name in a snapshot (exact name first, then case-insensitive). */
export function findTable(snapshot: SchemaSnapshot, name: string, schema?: string): TableInfo | undefined {
  const inSchema = (t: TableInfo) => schema === undefined || t.schema === schema;
  return snapshot.tables.find((t) => inSchema(t) && t.name === name) ?? snapshot.tables.find((t) => inSchema(t) && t.name.toLowerCase() === name.toLowerCase());
}
