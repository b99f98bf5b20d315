import type { Db } from '../../connect/open.js';
import type { SchemaSnapshot, TableInfo } from '../../dialect/model.js';
import { UserError } from '../../errors.js';
import { identifyingKey } from '../../keys/identifying-key.js';
import { chooseVersions } from '../../nobackup/pg-dead/choose.js';
import { pgAttributes } from '../../nobackup/pg-dead/columns.js';
import { chooseMethod, deadToastChunks, dirtyreadInto, META_DDL, pageinspectInto, ToastGoneError, type DeadMethod } from '../../nobackup/pg-dead/read.js';
import { pgTableReport } from '../../nobackup/pg-protect.js';
import { nowIso } from '../../util/clock.js';
import { findLiveTable } from '../resolve.js';
import { liveTableDefinition, type LoadedCopy, type LoadTarget, type RowSource, type SourceTable } from '../row-source.js';

/** The name `--backup` gives this source, and its staging namespace's id. */
export const DEAD_TUPLES_SOURCE = 'dead-tuples';

/** Options of deadTupleSource. */
export interface DeadTupleOptions {
  /** The time window of the deletions (ISO 8601); applied per row only where commit times are tracked. */
  since?: string | null;
  until?: string | null;
  /** Where the window comes from, for the description (`the audit's incident 16:42–16:44`). */
  windowSource?: string;
  /** Old versions of updated rows too (`--updates`), not only deleted rows. */
  updates?: boolean;
  /** Force one way of reading (default: pg_dirtyread when usable, else pageinspect). */
  method?: DeadMethod;
  snapshot?: Pick<SchemaSnapshot, 'database' | 'tables'>;
}

/** A dead-tuple source, with how it reads. */
export interface DeadTupleSource extends RowSource {
  readonly method: DeadMethod;
  /** The window was applied per row by the deleting transaction's commit time. */
  readonly byCommitTime: boolean;
}

/**
 * PostgreSQL's deleted row versions still on disk (VACUUM has not removed them yet) as a row
 * source: for each live table, the newest version of every row a committed transaction deleted,
 * keyed like the live table. Read through pg_dirtyread when it is installed, else through
 * pageinspect with the bytes decoded here (see nobackup/pg-dead/); refused with what a DBA would
 * run when neither can be used. Neither way prunes a page it reads (pg_dirtyread's sequential
 * scan and get_raw_page leave the line pointers as they are: heap_page_items before and after,
 * in the tests), while any plain SELECT or index lookup on a nearly full page does. So the live
 * table is never queried: every version is copied into staging (live ones by key alone) and
 * which keys are live is decided from that copy. And a deleted value stored out of line (TOAST)
 * is never fetched by PostgreSQL's own TOAST lookup, which goes through the TOAST index and
 * prunes the pages it visits, losing the chunks it is about to read: such a table is read
 * through pageinspect, TOAST pages included, or refused.
 */
export async function deadTupleSource(db: Db, opts: DeadTupleOptions = {}): Promise<DeadTupleSource> {
  try {
    await db.query(`SELECT 'pg_catalog.pg_class'::regclass`);
  } catch {
    throw new UserError('dead tuples are a PostgreSQL source', 'On MySQL/MariaDB read deleted rows from the binary log instead');
  }
  const { method, pageinspect } = await chooseMethod(db, opts.method);
  const [{ track }] = await db.query<{ track: string }>(`SELECT current_setting('track_commit_timestamp') AS track`);
  const tracked = track === 'on';
  const hasWindow = Boolean(opts.since || opts.until);
  const byCommitTime = tracked && hasWindow;
  const span = `${opts.since ?? '…'} – ${opts.until ?? '…'}${opts.windowSource ? ` (${opts.windowSource})` : ''}`;
  const window = !hasWindow
    ? 'every committed deletion still on disk'
    : tracked
      ? `deletions committed in ${span}, by the deleting transaction's commit time (track_commit_timestamp on)`
      : `every committed deletion still on disk: commit times are not tracked (track_commit_timestamp off), so the window ${span} could not be checked per row`;
  const live = opts.snapshot ?? (await db.dialect.introspect(db));
  const wrapped = new Map<string, SourceTable>();
  const choose = { window: byCommitTime ? { since: opts.since ?? null, until: opts.until ?? null } : null, updates: Boolean(opts.updates) };
  // Asked for by name: no dead version left is refused. Reached as a related table: an empty copy.
  const wrap = (t: TableInfo, asked: boolean): SourceTable => {
    const k = `${asked ? 1 : 0}\0${t.schema}\0${t.name}`;
    let s = wrapped.get(k);
    if (!s) wrapped.set(k, (s = deadTable(t, method, pageinspect, choose, asked)));
    return s;
  };
  return {
    id: DEAD_TUPLES_SOURCE,
    database: db.target.database,
    method,
    byCommitTime,
    about: {
      description: `${opts.updates ? 'deleted and updated' : 'deleted'} row versions still on disk, read through ${method}${method === 'pg_dirtyread' && pageinspect ? ' (pageinspect where deleted values are stored out of line)' : ''}; ${window}`,
      takenAt: null,
      coversUntil: nowIso(),
    },
    // A later deletion adds dead versions: a table is read again every time.
    grows: true,
    keepOnceStaged: 'reading dead tuples again after reads of the live table finds fewer: those reads prune them',
    find: (names) => Promise.resolve(names.map((n) => wrap(findLiveTable(live, n), true))),
    forLive(table) {
      const t = live.tables.find((x) => x.schema === table.schema && x.name === table.name);
      return t ? wrap(t, false) : null;
    },
  };
}

/** One live table's dead versions. */
function deadTable(
  t: TableInfo,
  method: DeadMethod,
  pageinspect: boolean,
  choose: { window: { since: string | null; until: string | null } | null; updates: boolean },
  asked: boolean,
): SourceTable {
  const key = identifyingKey(t);
  const columns = t.columns.filter((c) => !c.generated);
  return {
    schema: t.schema,
    name: t.name,
    live: { schema: t.schema, name: t.name },
    bytes: null,
    definition: () => Promise.resolve(liveTableDefinition(t, key?.columns ?? null)),
    async load(into: LoadTarget): Promise<LoadedCopy> {
      const { db, namespace } = into;
      const d = db.dialect;
      const label = `${t.schema}.${t.name}`;
      const quoted = d.quoteQualified(t.schema, t.name);
      const table = { schema: namespace, name: into.temporaryName };
      const aside = { schema: namespace, name: `${into.temporaryName}_old` };
      const work = d.quoteQualified(namespace, `${into.temporaryName}_w`);
      const chosen = d.quoteQualified(namespace, `${into.temporaryName}_c`);
      const dropWork = async () => {
        for (const x of [work, chosen]) await db.query(`DROP TABLE IF EXISTS ${x}`).catch(() => undefined);
      };
      const cleanup = async () => {
        await dropWork();
        for (const x of [table, aside]) await db.query(`DROP TABLE IF EXISTS ${d.quoteQualified(x.schema, x.name)}`).catch(() => undefined);
      };
      if (!key) {
        if (asked)
          throw new UserError(
            `${label} has no primary key or NOT NULL unique key: its deleted versions cannot be matched with live rows`,
            'Recover it from a backup, or add a key first',
          );
        await db.query(
          `CREATE TABLE ${d.quoteQualified(table.schema, table.name)} (${columns.map((c) => `${d.quoteIdent(c.name)} ${c.dataType}`).join(', ')})`,
        );
        return { table, aside, rows: 0, bytes: null, cleanup, note: ' (no key: its deleted versions cannot be matched with live rows)' };
      }
      try {
        const attrs = await pgAttributes(db, quoted);
        const wanted = new Set(columns.map((c) => c.name));
        const cols = attrs.filter((a) => !a.dropped && wanted.has(a.name));
        await db.query(`CREATE UNLOGGED TABLE ${work} (${cols.map((c) => `${d.quoteIdent(c.name)} ${c.type}`).join(', ')}, ${META_DDL})`);
        let how = method;
        let via = '';
        if (how === 'pg_dirtyread') {
          // null: the TOAST table cannot be read by this user, so its dead chunks cannot be ruled out.
          const chunks = await deadToastChunks(db, quoted).catch(() => null);
          if (chunks !== 0 && !pageinspect)
            throw new UserError(
              `${label} ${chunks === null ? 'may have dead TOAST chunks (its TOAST table is not readable by this user)' : `has ${chunks} dead TOAST chunks`} (deleted values stored out of line); reading them through pg_dirtyread would prune their pages and lose them`,
              'Read them through pageinspect: as a superuser, CREATE EXTENSION pageinspect; then run crm-rescue as a superuser',
            );
          // PostgreSQL's own TOAST fetch prunes the pages it visits: raw pages instead.
          if (chunks !== 0) [how, via] = ['pageinspect', ', its TOAST values read from raw pages'];
        }
        if (how === 'pg_dirtyread') {
          try {
            await dirtyreadInto(db, quoted, cols, key.columns, work);
          } catch (err) {
            // Chunks vacuumed away (none dead is left to prune): raw pages name the rows lost.
            if (!(err instanceof ToastGoneError) || !pageinspect) throw err;
            [how, via] = ['pageinspect', ', as some TOAST values are gone'];
          }
        }
        let pruned = 0;
        if (how === 'pageinspect') ({ pruned } = await pageinspectInto(db, quoted, cols, key.columns, work, into.signal, attrs));
        const [{ n }] = await db.query<{ n: string | number }>(`SELECT count(*) AS n FROM ${work} WHERE _crm_xmax::text <> '0'`);
        const keyQuoted = key.columns.map((c) => d.quoteIdent(c));
        const picked = await chooseVersions(db, work, chosen, { key: keyQuoted, keyNames: key.columns, window: choose.window, updates: choose.updates });
        if (!picked.committed) {
          const r = await pgTableReport(db, { schema: t.schema, name: t.name }, quoted);
          if (!asked) {
            await db.query(
              `CREATE TABLE ${d.quoteQualified(table.schema, table.name)} AS SELECT ${cols.map((c) => d.quoteIdent(c.name)).join(', ')} FROM ${work} WHERE false`,
            );
            await db.query(`ALTER TABLE ${d.quoteQualified(table.schema, table.name)} ADD PRIMARY KEY (${keyQuoted.join(', ')})`);
            await dropWork();
            return {
              table,
              aside,
              rows: 0,
              bytes: null,
              cleanup,
              note: ` (no deleted row versions on disk; last vacuum ${r.lastVacuum ?? 'never'}, last autovacuum ${r.lastAutovacuum ?? 'never'})`,
            };
          }
          throw new UserError(
            `no deleted row versions of ${label} are left on disk (last vacuum ${r.lastVacuum ?? 'never'}, last autovacuum ${r.lastAutovacuum ?? 'never'}${pruned ? `; ${pruned} pruned from their pages by reads since` : ''}): VACUUM has removed them, or nothing was deleted`,
            'Recover it from a backup or the trigger-audit log',
          );
        }
        const list = cols.map((c) => d.quoteIdent(c.name)).join(', ');
        await db.query(`CREATE TABLE ${d.quoteQualified(table.schema, table.name)} AS SELECT ${list} FROM ${chosen} WHERE _crm_bad IS NULL`);
        await db.query(`ALTER TABLE ${d.quoteQualified(table.schema, table.name)} ADD PRIMARY KEY (${keyQuoted.join(', ')})`);
        await dropWork();
        const rows = picked.rows - picked.badCount;
        let note = ` (${rows} deleted row${rows === 1 ? '' : 's'} from ${Number(n)} dead versions, through ${how}${via}`;
        if (picked.badCount)
          note += `; ${picked.badCount} left out, their values cannot be given back exactly: ${picked.bad.map((b) => `${b.key}: ${b.reason}`).join('; ')}${picked.badCount > picked.bad.length ? '; …' : ''}`;
        if (pruned)
          note += `; ${pruned} row version${pruned === 1 ? ' was' : 's were'} already pruned from ${pruned === 1 ? 'its page' : 'their pages'} by a read since, their values gone`;
        note += ')';
        return { table, aside, rows, bytes: null, cleanup, note };
      } catch (err) {
        await cleanup();
        throw err;
      }
    },
  };
}
