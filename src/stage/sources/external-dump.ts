import { stat } from 'node:fs/promises';
import type { BackupOrigin } from '../../backup/belongs.js';
import { findBackup } from '../../backup/catalog.js';
import type { Db } from '../../connect/open.js';
import type { Engine } from '../../connect/target.js';
import { detectDump } from '../../external/detect.js';
import { engineName } from '../../dialect/engine-name.js';
import { isInternalNamespace } from '../../dialect/namespaces.js';
import type { QualifiedName } from '../../dialect/own-tables.js';
import { UsageError, UserError } from '../../errors.js';
import { checkUnchanged, importBackups, verifyExternalFiles } from '../../external/import.js';
import type { DumpFormat, DumpTable, ExternalBackupRecord } from '../../external/model.js';
import { listExternal } from '../../external/store.js';
import { catalogDir } from '../../util/paths.js';
import { parseQuotedName, type TableRefParts } from '../../util/table-ref.js';
import type { RowSource, SourceTable } from '../row-source.js';
import { catalogBackupSource } from './catalog-backup.js';
import type { OpenedRowSource } from './index.js';

/** How the user picks the dump's table and database when their names differ from live. */
export interface ExternalChoice {
  /** `--from-table NAME` (or `schema.name`): the dump's table for the one live table asked for. */
  fromTable?: string;
  /** `--from-database DB`: the dump's database (a pg_dumpall, a mysqldump of several databases). */
  fromDatabase?: string;
  /** `--verify`: recompute every file's sha256 before use (size and mtime are always checked). */
  verify?: boolean;
}

/** An imported dump as a row source. */
export interface ExternalDumpSource extends RowSource {
  readonly record: ExternalBackupRecord;
}

const FORMAT_NAMES: Record<DumpFormat, string> = {
  'pg-custom': 'pg_dump custom archive',
  'pg-directory': 'pg_dump directory archive',
  'pg-tar': 'pg_dump tar archive',
  'pg-plain': 'pg_dump plain SQL',
  'pg-dumpall': 'pg_dumpall SQL',
  mysqldump: 'mysqldump SQL',
  mydumper: 'mydumper folder',
};

/** `pg_dump custom archive /path/file.dump (pg_dump 15.19)`. */
export function describeRecord(r: ExternalBackupRecord): string {
  const wrapper = r.index.wrapper ? ` (${r.index.wrapper} backup)` : '';
  return `${FORMAT_NAMES[r.index.format]}${wrapper} ${r.index.location.path}${r.index.tool ? ` (${r.index.tool})` : ''}`;
}

/**
 * A dump made by another tool, imported into the catalog, as a row source. Before anything is
 * read its files must be as imported (size and mtime; sha256 with `verify`); a dump of the other
 * engine is refused. Tables are matched by name (the dump's database or schema may be named
 * differently from live); `--from-table` / `--from-database` choose explicitly. Each table is
 * read by its format's reader: only its definition and rows reach the server.
 */
export async function externalDumpSource(db: Db, record: ExternalBackupRecord, choice: ExternalChoice = {}): Promise<ExternalDumpSource> {
  refuseOtherEngine(db, record.index.engine, record.index.location.path);
  await checkUnchanged(record);
  if (choice.verify) {
    const { problems } = await verifyExternalFiles(record);
    if (problems.length)
      throw new UserError(
        `${problems[0].file} is not the file imported as ${record.id}: ${problems[0].problem}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`,
        'Import it again: crm-rescue backups import PATH',
      );
  }
  const multiSchema = db.dialect.capabilities.multiSchema;
  const databases = record.index.databases;
  if (choice.fromDatabase !== undefined && !databases.includes(choice.fromDatabase) && !record.index.tables.some((t) => t.database === choice.fromDatabase))
    throw new UserError(
      `database "${choice.fromDatabase}" is not in ${record.index.location.path}`,
      `It holds ${databases.length ? databases.map((d) => `"${d}"`).join(', ') : 'no named database'}`,
    );
  // The dump's database the tables come from: chosen, the only one, or the target's name among several.
  const database =
    choice.fromDatabase ??
    (databases.length === 1 ? databases[0] : databases.includes(db.target.database) ? db.target.database : (databases[0] ?? db.target.database));
  const narrowed = choice.fromDatabase !== undefined || (databases.length > 1 && databases.includes(db.target.database));
  // A dump of the whole database also holds crm-rescue's own schemas (journal, staging): not CRM tables.
  const candidates = record.index.tables.filter(
    (t) => (!narrowed || t.database === database) && !isInternalNamespace(t.schema) && !isInternalNamespace(t.database),
  );
  const { readerFor } = await import('../../external/readers.js');
  const reader = readerFor(record.index.format);
  const wrapped = new Map<string, SourceTable>();
  const wrap = (t: DumpTable, live: QualifiedName): SourceTable => {
    const key = `${t.database}\0${t.schema}\0${t.name}\0${live.schema}\0${live.name}`;
    let s = wrapped.get(key);
    if (!s) wrapped.set(key, (s = reader.table(db, record, t, live)));
    return s;
  };
  // The live table a dump's table is a copy of: on MySQL the target database, whatever the dump called it.
  const liveOf = (t: DumpTable, asked?: TableRefParts): QualifiedName => ({
    schema: multiSchema ? (asked?.schema ?? t.schema) : db.target.database,
    name: asked?.name ?? t.name,
  });
  const where = `${record.index.location.path} (backup ${record.id})`;
  return {
    id: record.id,
    record,
    database,
    about: { description: describeRecord(record), takenAt: record.index.takenAt, coversUntil: record.index.takenAt },
    async find(names) {
      if (!names.length) throw new UserError('no table named', 'Pass --table NAME (repeat it for several)');
      if (choice.fromTable !== undefined && names.length > 1)
        throw new UsageError('--from-table names the dump table of one table', `Stage ${names.join(', ')} one at a time, or drop --from-table`);
      return names.map((n) => {
        const asked = refParts(n);
        const dumpRef = choice.fromTable ?? n;
        const t = matchTable(candidates, dumpRef, where, multiSchema, choice.fromTable !== undefined ? '--from-table' : null);
        // With --from-table the live table is the one asked for; else the dump's own name.
        return wrap(t, liveOf(t, choice.fromTable !== undefined || asked.schema !== undefined ? asked : undefined));
      });
    },
    forLive(table) {
      const byName = candidates.filter((t) => t.name === table.name);
      const t = (multiSchema ? byName.find((x) => x.schema === table.schema) : undefined) ?? (byName.length === 1 ? byName[0] : undefined);
      return t ? wrap(t, table) : null;
    },
  };
}

/** A dump is staged only on a server of its own engine. */
function refuseOtherEngine(db: Db, dumpEngine: Engine, path: string): void {
  const engine = db.dialect.engine;
  if (dumpEngine !== engine)
    throw new UserError(
      `${path} is a ${engineName(dumpEngine).family} dump; the target is ${engineName(engine).family}`,
      `Use it on a ${engineName(dumpEngine).family} server, or pick a backup of this one (crm-rescue backups list)`,
    );
}

/** `name`, `schema.name`, or as SQL quotes it. */
function refParts(ref: string): TableRefParts {
  const quoted = parseQuotedName(ref);
  if (quoted) return quoted;
  const dot = ref.indexOf('.');
  return dot > 0 ? { schema: ref.slice(0, dot), name: ref.slice(dot + 1) } : { name: ref };
}

/**
 * The dump's table a name means: `schema.name` exactly, else the name in one schema (or one
 * database), case-exact first and then ignoring case. Ambiguity and absence are one-line
 * refusals naming the schemas, or the closest names.
 */
export function matchTable(tables: DumpTable[], ref: string, where: string, multiSchema: boolean, flag: string | null): DumpTable {
  const whole = tables.filter((t) => `${t.schema}.${t.name}` === ref);
  if (whole.length === 1) return whole[0];
  const parts = refParts(ref);
  const tries: ((t: DumpTable) => boolean)[] = [
    (t) => t.name === parts.name && (parts.schema === undefined || t.schema === parts.schema),
    // Dumped from another schema or database (crm_old): the name alone.
    (t) => parts.schema !== undefined && t.name === parts.name,
    (t) => t.name.toLowerCase() === parts.name.toLowerCase() && (parts.schema === undefined || t.schema.toLowerCase() === parts.schema.toLowerCase()),
  ];
  for (const test of tries) {
    const found = tables.filter(test);
    if (found.length === 1) return found[0];
    if (found.length > 1) {
      const dbs = new Set(found.map((t) => t.database));
      throw new UserError(
        `table "${ref}" is in several ${dbs.size > 1 ? 'databases' : multiSchema ? 'schemas' : 'databases'} of ${where}: ${found.map((t) => (dbs.size > 1 ? `${t.database}: ${t.schema}.${t.name}` : `${t.schema}.${t.name}`)).join(', ')}`,
        dbs.size > 1
          ? 'Choose one with --from-database DB'
          : flag
            ? `Choose one with ${flag} schema.table`
            : "Name it as schema.table (or the dump's with --from-table schema.table)",
      );
    }
  }
  const near = closest(
    parts.name,
    tables.map((t) => t.name),
    5,
  );
  throw new UserError(
    `table "${ref}" is not in ${where}`,
    tables.length
      ? `Closest of its ${tables.length} tables: ${near.join(', ')}${flag ? '' : '; --from-table NAME picks the dump table for a live one'}`
      : 'The dump holds no table',
  );
}

/** The `n` names nearest to `word` by edit distance (ties in the dump's order). */
export function closest(word: string, names: string[], n: number): string[] {
  const w = word.toLowerCase();
  return [...new Set(names)]
    .map((name, i) => ({ name, i, d: editDistance(w, name.toLowerCase()) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, n)
    .map((x) => x.name);
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * The external source `--backup REF` names, or null when REF is not one (then it is a catalog
 * backup's id, prefix or `latest`): an imported dump's id or unique prefix; `latest` when the
 * newest backup of the target's engine and database is an imported dump; a path to a dump file
 * or folder, imported first (`onNote` says so; importing the same file again finds its record).
 */
export async function externalFor(
  db: Db,
  ref: string,
  options: ExternalChoice & { dir?: string; allowOtherDatabase?: boolean; onNote?: (line: string) => void },
): Promise<OpenedRowSource | null> {
  const catalog = catalogDir(options.dir);
  const say = options.onNote ?? ((line: string) => process.stderr.write(`${line}\n`));
  let record: ExternalBackupRecord | null = null;
  if (ref === 'latest') {
    const engine = db.dialect.engine;
    const newest = (await listExternal(catalog)).find((r) => r.index.engine === engine && r.index.databases.includes(db.target.database));
    if (!newest) return null;
    let own: Awaited<ReturnType<typeof catalogBackupSource>> | null = null;
    try {
      own = await catalogBackupSource(db, 'latest', options);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
    }
    if (own && Date.parse(own.about.takenAt ?? '') >= Date.parse(newest.index.takenAt)) return { source: own, origin: own.origin };
    record = newest;
  } else if (!looksLikePath(ref)) {
    try {
      const entry = await findBackup(catalog, ref);
      if (!entry.external) return null;
      record = entry.external;
    } catch (err) {
      // Not an id: a file or folder of that name, when there is one.
      if (!(err instanceof UserError) || !(await isDumpPath(ref))) throw err;
    }
  }
  if (!record) {
    // Recognised first: a dump of the other engine is refused before it is read whole and recorded.
    const detected = await detectDump(ref);
    refuseOtherEngine(db, detected.engine, detected.location.path);
    const [{ record: r, existing }] = await importBackups([ref], { catalog });
    say(existing ? `${ref} was imported before as ${r.id}` : `imported ${ref} as ${r.id}`);
    record = r;
  }
  const source = await externalDumpSource(db, record, options);
  return { source, origin: externalOrigin(db, record) };
}

/** How an imported dump relates to the target: matched by name only (a dump records no server identity). */
function externalOrigin(db: Db, record: ExternalBackupRecord): BackupOrigin {
  const dbs = record.index.databases;
  const same = dbs.includes(db.target.database);
  return {
    backupId: record.id,
    match: 'target-unverified',
    backupTarget: `${record.index.location.path}${dbs.length ? ` (database ${dbs.join(', ')})` : ''}`,
    note: same
      ? null
      : `${describeRecord(record)} holds database ${dbs.length ? dbs.map((d) => `"${d}"`).join(', ') : '(unnamed)'}, used on ${db.target.database}`,
  };
}

/** Ids and prefixes never hold a path separator or start with a dot. */
function looksLikePath(ref: string): boolean {
  return ref.includes('/') || ref.includes('\\') || ref.startsWith('.') || ref.startsWith('~');
}

async function isDumpPath(ref: string): Promise<boolean> {
  try {
    const st = await stat(ref);
    return st.isFile() || st.isDirectory();
  } catch {
    return false;
  }
}
