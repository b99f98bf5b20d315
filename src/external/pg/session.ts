import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { Db } from '../../connect/open.js';
import type { QualifiedName } from '../../dialect/own-tables.js';
import { ToolError, type ToolProcess } from '../../exec/index.js';
import { startPsqlWithInput } from '../../stage/pg-copy-in.js';
import { UserError } from '../../errors.js';
import { matcherFor, type KeyFilter } from '../../stage/key-filter.js';
import { CopyLineFilter, stagedShape, type PgTableDefinition, type StagedShape } from '../../stage/pg-stage.js';
import type { DumpKey, DumpTable } from '../model.js';
import { identAt, identListAt, parenBodyAt, qualifiedAt } from './sql-scan.js';

/**
 * The psql session that builds one staged copy of a table read from another tool's dump. Unlike
 * a catalog backup's load (psql -c … with the data on stdin), the whole session is a script we
 * write to psql's stdin as the dump is read: BEGIN, the staged shape, COPY … FROM STDIN WITH
 * (FREEZE), the rows, `\.`, then the keys (which a plain dump gives only after its data), ANALYZE
 * and COMMIT. Every statement is ours; from the dump come only COPY rows, cut at their `\.`
 * line, and column names, which are quoted again. An error anywhere ends psql, and with it the
 * transaction (ON_ERROR_STOP).
 */
export class StageSession {
  private copies = 0;
  /** Targeted staging: the rows of the COPY under way pass through this (see LoadTarget.filter). */
  private lines: CopyLineFilter | null = null;
  private filter: KeyFilter | null = null;
  /** psql has ended (an error, or its end after finish). */
  exited = false;
  private constructor(
    private readonly proc: ToolProcess,
    private readonly input: PassThrough,
    private readonly target: string,
    private readonly db: Db,
  ) {}

  static async start(
    db: Db,
    into: { namespace: string; temporaryName: string; signal?: AbortSignal; filter?: KeyFilter },
    shape: StagedShape,
    encoding: string | null,
    display: string,
  ) {
    const { proc, input } = await startPsqlWithInput(db, ['-X', '-v', 'ON_ERROR_STOP=1'], {
      env: encoding ? { PGCLIENTENCODING: encoding } : undefined,
      what: `loading ${display} into staging`,
      signal: into.signal,
    });
    proc.done.then(
      () => (s.exited = true),
      () => (s.exited = true),
    );
    const s = new StageSession(proc, input, db.dialect.quoteQualified(into.namespace, into.temporaryName), db);
    s.filter = into.filter ?? null;
    await s.write(`BEGIN;\nCREATE TABLE ${s.target} ${shape.ddl};\n`);
    return s;
  }

  /** Writes to psql, waiting while its input is full; rejects when psql ended. */
  async write(data: string | Buffer): Promise<void> {
    if (this.exited || this.input.destroyed) throw new PsqlEnded();
    if (this.input.write(data)) return;
    await Promise.race([
      once(this.input, 'drain'),
      this.proc.done.then(
        () => Promise.reject(new PsqlEnded()),
        () => Promise.reject(new PsqlEnded()),
      ),
    ]);
  }

  /**
   * The error to report for a load that failed with `err`: psql's own (a row that does not fit)
   * when psql ended, which says more than the write that found it gone; else `err`, psql stopped.
   */
  async failedWith(err: unknown): Promise<unknown> {
    if (err instanceof PsqlEnded || this.exited) return (await this.failure()) ?? err;
    await this.abort();
    return err;
  }

  /** COPY rows of the COPY under way (targeted staging leaves out rows of other keys; the stager narrows exactly). */
  async rows(data: Buffer): Promise<void> {
    if (!this.lines) return this.write(data);
    const kept = this.lines.push(data);
    if (kept) await this.write(kept);
  }

  /** Starts a COPY of these columns (names as the dump gives them; quoted here). */
  async copy(columns: string[]): Promise<void> {
    this.copies++;
    const at = this.filter?.columns.map((c) => columns.indexOf(c));
    this.lines = this.filter && at && at.every((i) => i >= 0) ? new CopyLineFilter([at], matcherFor(this.filter)) : null;
    const q = (c: string) => this.db.dialect.quoteIdent(c);
    await this.write(`COPY ${this.target} (${columns.map(q).join(', ')}) FROM STDIN WITH (FREEZE);\n`);
  }

  async endCopy(): Promise<void> {
    const rest = this.lines?.end();
    this.lines = null;
    if (rest) await this.write(Buffer.concat([rest, Buffer.from('\n')]));
    await this.write('\\.\n');
  }

  /** Adds the keys, analyses, commits; the rows COPY counted. */
  async finish(keys: Key[]): Promise<number> {
    const d = this.db.dialect;
    for (const k of keys)
      await this.write(
        `ALTER TABLE ${this.target} ADD CONSTRAINT ${d.quoteIdent(`crs_${randomBytes(6).toString('hex')}`)} ${k.kind} (${k.columns.map((c) => d.quoteIdent(c)).join(', ')});\n`,
      );
    // Statistics for the diff's plans: a small sample is enough for joins on a key.
    await this.write(`SET LOCAL default_statistics_target = 10;\nANALYZE ${this.target};\nCOMMIT;\n`);
    this.input.end();
    const r = await this.proc.done;
    const copied = [...r.stdout.matchAll(/^COPY (\d+)$/gm)];
    if (copied.length !== this.copies) throw new UserError(`loading reported ${copied.length} COPY of ${this.copies}`, 'Run with --debug and report it');
    return copied.reduce((n, m) => n + Number(m[1]), 0);
  }

  /** Ends psql without committing. */
  async abort(): Promise<void> {
    this.proc.kill();
    this.input.destroy();
    await this.proc.done.catch(() => undefined);
  }

  /** psql's own end, when it failed (its error says what). */
  async failure(): Promise<unknown> {
    return this.proc.done.then(
      () => null,
      (err: unknown) => {
        // psql reading a script prints `psql:<stdin>:N: ERROR:  …`: that line is the message.
        const line = err instanceof ToolError ? /ERROR:\s+(.*)/.exec(err.stderrTail) : null;
        if (!line || !(err instanceof ToolError)) return err;
        return new ToolError(`${err.message}: ${line[1]}`, err.command, err.childExitCode, err.stderrTail, err.hint, err.tool, err.signal);
      },
    );
  }
}

/** psql ended while rows were still being written to it: its own exit says why. */
class PsqlEnded extends Error {
  constructor() {
    super('psql ended before its input did');
  }
}

/** A primary or unique key as the dump declares it. */
export type Key = DumpKey;

/**
 * The key an `ALTER TABLE ONLY schema.name ADD CONSTRAINT c PRIMARY KEY|UNIQUE (cols);` statement
 * (latin1) adds to `table`, or null when it is another statement, another table's, or a form
 * staging does not copy (INCLUDE, NULLS NOT DISTINCT, DEFERRABLE …): the copy then has no such key.
 */
export function keyOf(stmt: string, table: { schema: string; name: string }, defaultSchema: string | null): Key | null {
  const k = keyStatement(stmt, defaultSchema);
  return k && k.schema === table.schema && k.name === table.name ? k.key : null;
}

/** The table (schema null when unqualified and no default) and key such a statement adds, whatever the table. */
export function keyStatement(stmt: string, defaultSchema: string | null): { schema: string | null; name: string; key: Key } | null {
  const m = /^ALTER\s+TABLE\s+ONLY\s+/y;
  if (!m.exec(stmt)) return null;
  const q = qualifiedAt(stmt, m.lastIndex);
  if (!q) return null;
  const a = /\s+ADD\s+CONSTRAINT\s+/y;
  a.lastIndex = q.end;
  if (!a.exec(stmt)) return null;
  const c = identAt(stmt, a.lastIndex);
  if (!c) return null;
  const k = /\s+(PRIMARY\s+KEY|UNIQUE)\s*/y;
  k.lastIndex = c.end;
  const kind = k.exec(stmt);
  if (!kind) return null;
  const cols = identListAt(stmt, k.lastIndex);
  if (!cols || !/^\s*;\s*$/.test(stmt.slice(cols.end))) return null;
  return { schema: q.schema ?? defaultSchema, name: q.name, key: { kind: /^PRIMARY/.test(kind[1]) ? 'PRIMARY KEY' : 'UNIQUE', columns: cols.names } };
}

/**
 * The keys an import recorded for the table, or null for a record of an older version. The record
 * is JSON in the catalog: anything not of the shape keyStatement gives is refused, never passed on.
 */
export function recordedKeys(table: DumpTable): Key[] | null {
  const { keys } = table;
  if (!Array.isArray(keys)) return null;
  const ok = keys.every(
    (k) =>
      (k.kind === 'PRIMARY KEY' || k.kind === 'UNIQUE') &&
      Array.isArray(k.columns) &&
      k.columns.length > 0 &&
      k.columns.every((c) => typeof c === 'string' && c !== ''),
  );
  return ok ? keys.map((k) => ({ kind: k.kind, columns: [...k.columns] })) : null;
}

/** The count of data statements recorded with the keys (a plain dump), or null: staging then reads to the end. */
export function recordedEnd(table: DumpTable): { keys: Key[]; dataStatements: number } | null {
  const keys = recordedKeys(table);
  const n = table.dataStatements;
  return keys && typeof n === 'number' && Number.isInteger(n) && n >= 0 ? { keys, dataStatements: n } : null;
}

/** Keys of the staged columns only (a key on a column staging leaves out cannot be built). */
export function keysFor(keys: Key[], shape: StagedShape): Key[] {
  const have = new Set(shape.dataColumns);
  return keys.filter((k) => k.columns.every((c) => have.has(c)));
}

/**
 * A `CREATE [UNLOGGED] TABLE schema.name (…)` statement (latin1) of `table`, as a definition
 * stagedShape can probe: only the parenthesised column list, refused if it could end the probe's
 * statement (a `;` outside quotes). Null when the statement is another.
 */
export function createOf(
  stmt: string,
  table: { schema: string; name: string },
  defaultSchema: string | null,
  encoding: string | null,
): PgTableDefinition | null {
  const m = /^CREATE\s+(?:UNLOGGED\s+)?TABLE\s+/iy;
  if (!m.exec(stmt)) return null;
  const q = qualifiedAt(stmt, m.lastIndex);
  if (!q || (q.schema ?? defaultSchema) !== table.schema || q.name !== table.name) return null;
  let i = q.end;
  while (/\s/.test(stmt[i] ?? '')) i++;
  const body = parenBodyAt(stmt, i);
  if (!body)
    throw new UserError(
      `the dump's definition of ${table.schema}.${table.name} cannot be read`,
      'Stage it with --from-table pointing at another table, or restore the dump by hand',
    );
  const inherits = /^\s*INHERITS\s*\((.+)\)/s.exec(stmt.slice(body.end));
  return {
    create: { qualified: stmt.slice(m.lastIndex, q.end), body: Buffer.from(body.body, 'latin1').toString('utf8') },
    encoding,
    inherits: inherits ? inherits[1] : null,
  };
}

/**
 * The live table's definition, for a dump with its rows but no CREATE TABLE (pg_dump
 * --data-only): its columns read from the catalog (types qualified, as the probe needs them), then
 * through stagedShape like a dump's own definition.
 */
export async function liveDefinition(db: Db, live: QualifiedName): Promise<PgTableDefinition> {
  const d = db.dialect;
  const [exists] = await db.query<{ ok: boolean }>('SELECT to_regclass($1) IS NOT NULL AS ok', [d.quoteQualified(live.schema, live.name)]);
  if (!exists?.ok)
    throw new UserError(
      `the dump has rows of ${live.schema}.${live.name} but no definition, and there is no such live table to take it from`,
      'Name the live table it belongs to (--table), or use a dump with its CREATE TABLE',
    );
  const cols = await db.withConnection(async (conn) => {
    await conn.query('BEGIN');
    try {
      await conn.query("SET LOCAL search_path = ''");
      return await conn.query<{ name: string; type: string; not_null: boolean; collation: string | null }>(LIVE_COLUMNS_SQL, [
        d.quoteQualified(live.schema, live.name),
      ]);
    } finally {
      await conn.query('ROLLBACK').catch(() => undefined);
    }
  });
  if (!cols.length)
    throw new UserError(`the dump has no definition of ${live.schema}.${live.name} and the live table has no columns`, 'Name another table with --from-table');
  const body = `(${cols.map((c) => `${d.quoteIdent(c.name)} ${c.type}${c.collation ? ` COLLATE ${c.collation}` : ''}${c.not_null ? ' NOT NULL' : ''}`).join(', ')})`;
  return { create: { qualified: d.quoteQualified(live.schema, live.name), body }, encoding: null, inherits: null };
}

const LIVE_COLUMNS_SQL = `
SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS not_null,
       CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation THEN quote_ident(cn.nspname) || '.' || quote_ident(co.collname) END AS collation
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
ORDER BY a.attnum`;

/** The staged shape of a definition, from the dump or from live. */
export async function shapeOf(db: Db, ns: string, def: PgTableDefinition, display: string): Promise<StagedShape> {
  return stagedShape(db, ns, def, display);
}

/** `schema.name` for messages. */
export function displayOf(t: Pick<DumpTable, 'schema' | 'name'>): string {
  return `${t.schema}.${t.name}`;
}
