import type { Db } from '../connect/open.js';
import { detectCrm } from '../crm/detect.js';
import type { CrmKnowledge, TableRef } from '../crm/flavour.js';
import type { SchemaSnapshot } from '../dialect/model.js';
import { UsageError, UserError } from '../errors.js';
import type { AuditContext, AuditSource } from './source.js';
import { NoAuditSourceError } from './errors.js';
import { ALL_SOURCES } from './sources/index.js';
import { auditSqlFor } from '../dialect/audit-sql.js';
import { readTriggerAuditState } from './trigger/state.js';
import { readBinlogAuditState } from './binlog/state.js';

/** Options of loading the audit context. */
export interface AuditContextOptions {
  /** A snapshot already taken (else the database is introspected). */
  snapshot?: SchemaSnapshot;
  /** Knowledge already derived, or forced (tests, `--crm` overrides). Default: detectCrm. */
  knowledge?: CrmKnowledge;
  /** Local binlog files or folders the binlog source reads instead of the server's. */
  binlogFiles?: string[];
}

/** Introspects the target, detects the CRM, reads the trigger audit's state and the binary log's settings. */
export async function loadAuditContext(db: Db, options: AuditContextOptions = {}): Promise<AuditContext> {
  const snapshot = options.snapshot ?? (await db.dialect.introspect(db));
  const knowledge = options.knowledge ?? detectCrm(snapshot);
  const triggerAudit = await readTriggerAuditState(db, db.dialect.engine);
  const binlog = await readBinlogAuditState(db, options.binlogFiles);
  return { sql: auditSqlFor(db.dialect.engine), snapshot, knowledge, triggerAudit, binlog };
}

/** The sources this database has, in ALL_SOURCES order. */
export function availableSources(ctx: AuditContext): AuditSource[] {
  return ALL_SOURCES.filter((s) => s.available(ctx.snapshot, ctx.knowledge, ctx));
}

/** The ids of every known source. */
export function sourceIds(): string[] {
  return ALL_SOURCES.map((s) => s.id);
}

/**
 * The sources to read: the named ones (each must be available), or every available one. With
 * several sources, a table a CRM log already records is left out of the soft-delete source, so
 * one deletion is not counted twice; naming `soft-delete` alone reads every marked table.
 */
export function selectSources(ctx: AuditContext, ids?: string[]): { ctx: AuditContext; sources: AuditSource[] } {
  const available = availableSources(ctx);
  let sources = available;
  if (ids && ids.length > 0) {
    const unknown = ids.filter((id) => !ALL_SOURCES.some((s) => s.id === id));
    if (unknown.length) throw new UsageError(`unknown audit source ${unknown.join(', ')}`, `Known sources: ${sourceIds().join(', ')}`);
    const missing = ids.filter((id) => !available.some((s) => s.id === id));
    if (missing.length) {
      const reasons = missing.map((id) => ALL_SOURCES.find((s) => s.id === id)?.unavailable?.(ctx)).filter((r): r is string => Boolean(r));
      throw new UserError(
        `audit source ${missing.join(', ')} is not available on ${ctx.snapshot.database}${reasons.length ? `: ${reasons.join('; ')}` : ''}`,
        `Available: ${available.map((s) => s.id).join(', ') || 'none'}`,
      );
    }
    sources = available.filter((s) => ids.includes(s.id));
  }
  const covered = (t: TableRef) => sources.some((s) => s.covers?.(ctx, t) ?? false);
  return { ctx: { ...ctx, covered }, sources };
}

/**
 * Runs the sources' preparation (the binary log decoded into crm-rescue's table) before their
 * streams are read. A source named by the user fails the audit with its error; one merely
 * available is left out, its failure returned as a note, so the other sources still answer.
 */
export async function prepareSources(
  db: Db,
  ctx: AuditContext,
  sources: AuditSource[],
  named: string[] = [],
  signal?: AbortSignal,
): Promise<{ sources: AuditSource[]; notes: string[] }> {
  const kept: AuditSource[] = [];
  const notes: string[] = [];
  let failed: UserError | null = null;
  for (const s of sources) {
    if (!s.prepare) {
      kept.push(s);
      continue;
    }
    try {
      await s.prepare(db, ctx, signal);
      kept.push(s);
    } catch (err) {
      if (named.includes(s.id) || !(err instanceof UserError)) throw err;
      failed = err;
      notes.push(`audit source ${s.id} left out: ${err.message}${err.hint ? ` (${err.hint})` : ''}`);
    }
  }
  // Nothing else to read: the failure is the answer.
  if (kept.length === 0 && failed) throw failed;
  return { sources: kept, notes };
}

/** The error `audit deletions` raises when a database has no audit source. */
export function noSourceError(ctx: AuditContext): NoAuditSourceError {
  return new NoAuditSourceError(
    `no audit source on ${ctx.snapshot.database} (${ctx.knowledge.name}): available sources: none`,
    'Install crm-rescue’s trigger audit (crm-rescue audit install --all), or back up often and compare backups with diff',
  );
}
