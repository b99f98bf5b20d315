import { formatCount } from '../util/format.js';
import type { MergeResult, PlannedTable } from './model.js';

/**
 * The SQL of a merge plan as people read it: `crm-rescue merge --sql` prints it, the console's
 * SQL pager shows it and writes it to a file. One function renders it, so they cannot drift.
 */

/** A table of a plan with its counts, named as people read it. */
export interface SqlTableCounts {
  table: string;
  inserts: number;
  updates: number;
  skipped: number;
}

/** One merge of a plan: its tables (write order) and the statements that write live, in order. */
export interface SqlStep {
  tables: readonly SqlTableCounts[];
  sql: readonly string[];
}

/** The SQL text as lines, and where each statement starts (its table's heading for a table's first). */
export interface SqlDocument {
  lines: string[];
  /** Line indexes, one per statement, in order: where a jump to that statement puts the top. */
  marks: number[];
}

/** The SQL of a plan as a document: a heading, then each table's counts and its statements. */
export function mergeSqlDocument(database: string, steps: readonly SqlStep[]): SqlDocument {
  const statements = steps.reduce((n, s) => n + s.sql.length, 0);
  const tables = new Set(steps.flatMap((s) => s.tables.map((t) => t.table))).size;
  const lines = [
    `-- The SQL that writes ${database}: ${plural(statements, 'statement')} on ${plural(tables, 'table')}, in order, in one transaction.`,
    "-- Each statement runs once per batch of rows (crm_rescue_seq ranges); shown with the first batch's range.",
  ];
  const marks: number[] = [];
  for (const step of steps) {
    const owners = statementTables(step);
    step.tables.forEach((t, i) => {
      const own = step.sql.filter((_, j) => owners[j] === i);
      lines.push('', `-- ${t.table}: ${plural(t.inserts, 'insert')}, ${plural(t.updates, 'update')}, ${formatCount(t.skipped)} skipped`);
      if (!own.length) lines.push('-- (no statement: nothing to write)');
      own.forEach((s, k) => {
        marks.push(k === 0 ? lines.length - 1 : lines.length);
        lines.push(...`${s};`.split('\n'));
      });
    });
    // Statements no table claims (none expected): shown, never dropped.
    const orphans = step.sql.filter((_, j) => owners[j] === -1);
    if (orphans.length) lines.push('', '-- other statements');
    for (const s of orphans) {
      marks.push(lines.length);
      lines.push(...`${s};`.split('\n'));
    }
  }
  if (!statements) lines.push('', '-- no statement: nothing to write');
  return { lines, marks };
}

/** The SQL of a plan as text (what `merge --sql` prints and the console writes to a file). */
export function renderMergeSql(database: string, steps: readonly SqlStep[]): string {
  return `${mergeSqlDocument(database, steps).lines.join('\n')}\n`;
}

/** A dry run's (or an apply's) result as a step: tables with rows to write, named by `label`. */
export function sqlStepOf(r: Pick<MergeResult, 'tables' | 'sql'>, label: (t: PlannedTable) => string): SqlStep {
  return {
    tables: r.tables
      .filter((t) => t.inserts + t.updates + t.skipped > 0)
      .map((t) => ({ table: label(t), inserts: t.inserts, updates: t.updates, skipped: t.skipped })),
    sql: r.sql,
  };
}

/** A quoted identifier (PostgreSQL "…" or MySQL `…`), qualified or not. */
const QUOTED = /(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`)(?:\.(?:"(?:[^"]|"")+"|`(?:[^`]|``)+`))*/g;

/**
 * Which table of the step each statement writes (an index into `tables`, or -1): the first
 * qualified name in it that is one of the tables (the live table comes before its staged copy in
 * every statement; shadow tables have their own names). A statement naming none belongs with the
 * one before it.
 */
export function statementTables(step: SqlStep): number[] {
  const owners: number[] = [];
  for (const s of step.sql) {
    let owner = -1;
    for (const m of s.matchAll(QUOTED)) {
      const parts = m[0].split(/\.(?=["`])/).map(unquote);
      if (parts.length < 2) continue;
      const qualified = parts.slice(-2).join('.');
      owner = step.tables.findIndex((t) => t.table === qualified);
      if (owner === -1) owner = step.tables.findIndex((t) => t.table === parts[parts.length - 1]);
      if (owner !== -1) break;
    }
    owners.push(owner === -1 ? (owners.at(-1) ?? (step.tables.length ? 0 : -1)) : owner);
  }
  return owners;
}

function unquote(part: string): string {
  const q = part[0];
  return part.slice(1, -1).replaceAll(q + q, q);
}

function plural(n: number, noun: string): string {
  return `${formatCount(n)} ${noun}${n === 1 ? '' : 's'}`;
}
