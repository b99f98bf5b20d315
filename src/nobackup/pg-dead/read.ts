import type { Db } from '../../connect/open.js';
import type { Queryable } from '../../dialect/queryable.js';
import { UserError } from '../../errors.js';
import type { PgAttribute } from './columns.js';
import { copyField, copyIn } from '../../stage/pg-copy-in.js';
import { arrayDecoderFor, DecodeError, decoderFor, decompress, splitTuple, varlena, type AttLayout, type ColumnDecoder, type ToastPointer } from './decode.js';

/** How dead row versions are read. */
export type DeadMethod = 'pg_dirtyread' | 'pageinspect';

/** The meta columns every work table has after the table's own columns. */
export const META = {
  ctid: '_crm_ctid',
  xmin: '_crm_xmin',
  xmax: '_crm_xmax',
  /** t_ctid: where an UPDATE put the next version (pageinspect only; null with pg_dirtyread). */
  next: '_crm_next',
  /** xmax only locked the row (HEAP_XMAX_LOCK_ONLY), or is a multixact (pageinspect only). */
  lockOnly: '_crm_lock_only',
  multi: '_crm_multi',
  /** Why the version's values cannot be given back (TOAST chunks gone, undecodable bytes). */
  bad: '_crm_bad',
} as const;

export const META_DDL = `${META.ctid} tid, ${META.xmin} xid, ${META.xmax} xid, ${META.next} tid, ${META.lockOnly} boolean, ${META.multi} boolean, ${META.bad} text`;

const DIRTYREAD_FIX = 'apt-get install postgresql-15-dirtyread (on the server), then as a superuser in this database: CREATE EXTENSION pg_dirtyread;';
const PAGEINSPECT_FIX = 'or, connected as a superuser: CREATE EXTENSION pageinspect; (its page functions need a superuser)';

/**
 * Which way this connection can read dead row versions: pg_dirtyread when it is installed in the
 * database and we may run it, else pageinspect when installed and we are a superuser (its
 * get_raw_page checks for one itself; no GRANT lifts that). Refuses with what a DBA would run.
 */
export async function chooseMethod(db: Queryable, asked?: DeadMethod): Promise<{ method: DeadMethod; pageinspect: boolean }> {
  const [p] = await db.query<{ dirtyread: boolean; dirty_exec: boolean; pageinspect: boolean; superuser: boolean; available: string[] | null }>(
    `SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_dirtyread') AS dirtyread,
            coalesce((SELECT has_function_privilege(p.oid, 'EXECUTE') FROM pg_proc p
                       JOIN pg_extension e ON e.extname = 'pg_dirtyread'
                       JOIN pg_depend d ON d.objid = p.oid AND d.refobjid = e.oid AND d.deptype = 'e'
                      WHERE p.proname = 'pg_dirtyread' LIMIT 1), false) AS dirty_exec,
            EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pageinspect') AS pageinspect,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
            (SELECT array_agg(name::text) FROM pg_available_extensions WHERE name IN ('pg_dirtyread', 'pageinspect')) AS available`,
  );
  const dirtyOk = p.dirtyread && p.dirty_exec;
  const pageOk = p.pageinspect && p.superuser;
  if (asked === 'pg_dirtyread' && !dirtyOk)
    throw new UserError(
      p.dirtyread ? 'pg_dirtyread is installed but this user may not run it' : 'pg_dirtyread is not installed in this database',
      p.dirtyread ? 'A superuser runs: GRANT EXECUTE ON FUNCTION pg_dirtyread(regclass) TO <user>;' : DIRTYREAD_FIX,
    );
  if (asked === 'pageinspect' && !pageOk)
    throw new UserError(
      p.pageinspect ? "pageinspect's page functions need a superuser; this user is none" : 'pageinspect is not installed in this database',
      p.pageinspect ? 'Run as a superuser, or use pg_dirtyread: ' + DIRTYREAD_FIX : 'As a superuser: CREATE EXTENSION pageinspect;',
    );
  if (asked) return { method: asked, pageinspect: pageOk && asked === 'pageinspect' };
  if (dirtyOk) return { method: 'pg_dirtyread', pageinspect: pageOk };
  if (pageOk) return { method: 'pageinspect', pageinspect: true };
  const what = [
    p.dirtyread ? 'pg_dirtyread is installed but this user may not run it' : 'pg_dirtyread is not installed',
    p.pageinspect ? 'pageinspect is installed but needs a superuser' : 'pageinspect is not installed',
  ].join(' and ');
  const hint = p.dirtyread
    ? 'A superuser runs: GRANT EXECUTE ON FUNCTION pg_dirtyread(regclass) TO <user>;'
    : `${DIRTYREAD_FIX} ${p.pageinspect ? 'or run crm-rescue as a superuser' : PAGEINSPECT_FIX}`;
  throw new UserError(`cannot read deleted row versions: ${what} in this database`, hint);
}

// --- pg_dirtyread ----------------------------------------------------------------------------------

const TOAST_ERROR = /missing chunk number|unexpected chunk number|toast value \d+/i;

/**
 * Dead chunks in the table's TOAST table: a deleted (or updated) row's out-of-line values. Read
 * through pg_dirtyread's own sequential scan, which prunes nothing. They matter because
 * PostgreSQL fetches a TOAST value through the TOAST table's index, and an index fetch prunes
 * each nearly full page it visits (heap_page_prune_opt): detoasting a deleted value removes the
 * very chunks it is about to read. Seen with heap_page_items before and after: 14 dead chunks
 * became 7 LP_DEAD line pointers and the read failed with `missing chunk number 0`.
 */
export async function deadToastChunks(db: Queryable, table: string): Promise<number> {
  const [r] = await db.query<{ toast: string | null }>(
    `SELECT CASE WHEN reltoastrelid <> 0 THEN reltoastrelid::regclass::text END AS toast FROM pg_class WHERE oid = to_regclass($1)`,
    [table],
  );
  if (!r?.toast) return 0;
  const [{ n }] = await db.query<{ n: string | number }>(
    `SELECT count(*) AS n FROM pg_dirtyread(${lit(r.toast)}::regclass) AS t(xmax xid) WHERE t.xmax::text <> '0'`,
  );
  return Number(n);
}

/** A deleted value's TOAST chunks are gone (pg_dirtyread path): pageinspect can stage the rest. */
export class ToastGoneError extends UserError {}

/**
 * Copies every version of the table into `work` through pg_dirtyread, in one INSERT … SELECT on
 * the server: those with an xmax (deleted, updated or locked) whole, the others by their key
 * alone (which keys are live is decided from this copy: reading the live table would prune it). Only for a table whose TOAST table
 * holds no dead chunk (deadToastChunks): its deleted values are all inline then. A value whose
 * chunks are gone anyway fails the statement: refused in one line, never staged wrong.
 */
export async function dirtyreadInto(db: Queryable, table: string, cols: PgAttribute[], key: string[], work: string): Promise<void> {
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const alias = [`ctid tid`, `xmin xid`, `xmax xid`, ...cols.map((c) => `${q(c.name)} ${c.type}`)].join(', ');
  const target = [...cols.map((c) => q(c.name)), META.ctid, META.xmin, META.xmax].join(', ');
  try {
    await db.query(
      `INSERT INTO ${work} (${target})
       SELECT ${cols.map((c) => (key.includes(c.name) ? `t.${q(c.name)}` : `CASE WHEN t.xmax::text <> '0' THEN t.${q(c.name)} END`)).join(', ')}, t.ctid, t.xmin, t.xmax
         FROM pg_dirtyread(${lit(table)}::regclass) AS t(${alias})`,
    );
  } catch (err) {
    if (!TOAST_ERROR.test((err as Error).message)) throw err;
    throw new ToastGoneError(
      `a deleted value of ${table} stored out of line is gone from its TOAST table (${(err as Error).message})`,
      'Read it through pageinspect (needs a superuser), which stages the other rows and names the ones lost',
    );
  }
}

function lit(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

// --- pageinspect -----------------------------------------------------------------------------------

/** Pages read per round trip. */
const PAGES_PER_BATCH = 256;

interface RawItem {
  blk: string | number;
  lp: number;
  lp_flags: number;
  t_xmin: string;
  t_xmax: string;
  t_ctid: string;
  t_infomask: number;
  t_infomask2: number;
  t_bits: string | null;
  t_data: Buffer | null;
}

/**
 * Reads the table's pages with get_raw_page (which copies each page out of the buffer manager
 * and never prunes it) and heap_page_items, keeps the tuples with an xmax whole and the others by
 * their key, splits each tuple into its attributes here (splitTuple, as tuple_data_split would on
 * the server, without its bytea[] per tuple to parse) and decodes the bytes. Out-of-line TOAST
 * values are reassembled from the TOAST table's own pages, read the same way (a dead row's chunks
 * are dead too: an index lookup would neither see them nor leave the page unpruned). A value that
 * cannot be given back marks its version bad, naming the column; a column whose type is not
 * decoded refuses the table. The versions go into `work` through one COPY (psql), which runs
 * while the next pages are read.
 */
export async function pageinspectInto(
  db: Db,
  table: string,
  cols: PgAttribute[],
  key: string[],
  work: string,
  signal?: AbortSignal,
  /** Every attribute of the table in attnum order, dropped ones included (the tuples' layout). */
  all: PgAttribute[] = cols,
): Promise<{ pruned: number }> {
  const decoders = new Map<number, ColumnDecoder>();
  for (const c of cols) {
    const dec =
      c.typtype === 'e' ? await enumDecoder(db, c.baseOid) : c.elemType ? arrayDecoderFor(c.elemType, c.elemLen, c.elemAlign) : decoderFor(c.baseType);
    if (!dec)
      throw new UserError(
        `column ${c.name} of ${table} is of type ${c.type}, whose on-disk bytes crm-rescue does not decode (pageinspect path)`,
        `Install pg_dirtyread, which reads any type: ${DIRTYREAD_FIX}`,
      );
    decoders.set(c.attnum, dec);
  }
  const layout: AttLayout[] = [];
  for (const a of all) layout[a.attnum - 1] = { len: a.len, align: a.align };
  if (layout.some((l, i) => !l || all[i]?.attnum !== i + 1)) throw new Error(`internal: the attributes of ${table} are not 1…n`);
  const [{ blocks, toast, enc }] = await db.query<{ blocks: string | number; toast: string | null; enc: string }>(
    `SELECT pg_relation_size(to_regclass($1)) / current_setting('block_size')::int8 AS blocks,
            (SELECT CASE WHEN reltoastrelid <> 0 THEN reltoastrelid::regclass::text END FROM pg_class WHERE oid = to_regclass($1)) AS toast,
            current_setting('server_encoding') AS enc`,
    [table],
  );
  if (enc !== 'UTF8')
    throw new UserError(`the database's encoding is ${enc}; the pageinspect path decodes text of UTF8 databases only`, `Use pg_dirtyread: ${DIRTYREAD_FIX}`);
  const nBlocks = Number(blocks);
  const names = cols.map((c) => `"${c.name.replace(/"/g, '""')}"`);
  const columns = [...names, META.ctid, META.xmin, META.xmax, META.next, META.lockOnly, META.multi, META.bad];
  const isKey = cols.map((c) => key.includes(c.name));
  const at = new Int32Array(2 * layout.length);
  const copy = await copyIn(db, work, columns, `copying the row versions of ${table} into staging`, signal);
  let pruned = 0;
  let next: Promise<RawItem[]> | null = null;
  try {
    const fetch = (first: number) =>
      db.query<RawItem>(
        `SELECT b.blk, h.lp, h.lp_flags, h.t_xmin::text, h.t_xmax::text, h.t_ctid::text, h.t_infomask, h.t_infomask2, h.t_bits,
                CASE WHEN h.lp_flags = 1 THEN h.t_data END AS t_data
           FROM generate_series($2::int8, $3::int8) AS b(blk), heap_page_items(get_raw_page($1, b.blk)) AS h
          WHERE h.lp_flags IN (1, 3)`,
        [table, first, Math.min(nBlocks, first + PAGES_PER_BATCH) - 1],
      );
    // The next batch of pages is read while this one is decoded.
    next = nBlocks > 0 ? fetch(0) : null;
    for (let first = 0; next; first += PAGES_PER_BATCH) {
      signal?.throwIfAborted();
      const items = await next;
      next = first + PAGES_PER_BATCH < nBlocks ? fetch(first + PAGES_PER_BATCH) : null;
      const rows: { values: (string | null | ToastPointer)[]; meta: string[]; bad: string[] }[] = [];
      const pointers = new Map<number, ToastPointer>();
      for (const it of items) {
        // LP_DEAD: a version pruned from the page (by a read since it died); its bytes are gone.
        if (it.lp_flags === 3) {
          pruned++;
          continue;
        }
        const bad: string[] = [];
        const natts = it.t_infomask2 & 0x07ff;
        const current = it.t_xmax === '0';
        let split = it.t_data !== null;
        try {
          if (it.t_data) splitTuple(it.t_data, it.t_bits, natts, layout, at);
        } catch (err) {
          if (!(err instanceof DecodeError)) throw err;
          bad.push(`the row version cannot be split into columns: ${err.message}`);
          split = false;
        }
        const values = cols.map((c, i): string | null | ToastPointer => {
          // A version nothing ended: only its key is needed (it says the key is live).
          if (current && !isKey[i]) return null;
          if (c.attnum > natts && c.hasMissing) {
            bad.push(`${c.name}: added with a default after this version was written`);
            return null;
          }
          const start = split && c.attnum <= natts ? at[2 * (c.attnum - 1)] : -1;
          if (start < 0) return null;
          const bytes = it.t_data!.subarray(start, start + at[2 * (c.attnum - 1) + 1]);
          const dec = decoders.get(c.attnum)!;
          try {
            if (dec.kind === 'fixed') return dec.decode(bytes);
            const v = varlena(bytes);
            if (Buffer.isBuffer(v)) return dec.decode(v);
            pointers.set(v.valueId, v);
            return v;
          } catch (err) {
            if (!(err instanceof DecodeError) && !(err instanceof RangeError)) throw err;
            bad.push(`${c.name}: ${err.message}`);
            return null;
          }
        });
        const infomask = it.t_infomask;
        rows.push({
          values,
          bad,
          // HEAP_XMAX_IS_LOCKED_ONLY: the lock-only bit, or an exclusive lock alone (from before 9.3).
          meta: [
            `(${it.blk},${it.lp})`,
            it.t_xmin,
            it.t_xmax,
            it.t_ctid,
            (infomask & 0x0080) !== 0 || (infomask & 0x1050) === 0x0040 ? 't' : 'f',
            (infomask & 0x1000) !== 0 ? 't' : 'f',
          ],
        });
      }
      const chunks = pointers.size && toast ? await toastChunks(db, toast, [...pointers.keys()]) : new Map<number, Buffer[]>();
      for (const r of rows) {
        const values = r.values.map((v, i) => {
          if (v === null || typeof v === 'string') return v;
          const c = cols[i];
          try {
            const payload = reassemble(v, chunks.get(v.valueId));
            if (typeof payload === 'string') {
              r.bad.push(`${c.name}: ${payload}`);
              return null;
            }
            const dec = decoders.get(c.attnum)!;
            return dec.kind === 'varlena' ? dec.decode(payload) : null;
          } catch (err) {
            if (!(err instanceof DecodeError) && !(err instanceof RangeError)) throw err;
            r.bad.push(`${c.name}: ${err.message}`);
            return null;
          }
        });
        await copy.row([...values.map(copyField), ...r.meta, copyField(r.bad.length ? r.bad.join('; ') : null)]);
      }
    }
    await copy.end();
  } catch (err) {
    next?.catch(() => undefined);
    await copy.abort();
    throw err;
  }
  return { pruned };
}

/** An enum is stored as its label's pg_enum oid. */
async function enumDecoder(db: Queryable, typeOid: number): Promise<ColumnDecoder> {
  const rows = await db.query<{ oid: string | number; label: string }>(`SELECT oid::int8 AS oid, enumlabel AS label FROM pg_enum WHERE enumtypid = $1`, [
    typeOid,
  ]);
  const labels = new Map(rows.map((r) => [Number(r.oid), r.label]));
  return {
    kind: 'fixed',
    decode: (b) => {
      const label = labels.get(b.readUInt32LE(0));
      if (label === undefined) throw new DecodeError('enum value whose label was dropped');
      return label;
    },
  };
}

/** The chunks of the wanted TOAST values, read from the TOAST table's raw pages, by value id and in order. */
async function toastChunks(db: Queryable, toast: string, ids: number[]): Promise<Map<number, Buffer[]>> {
  const rows = await db.query<{ parts: Buffer[] }>(
    `SELECT tuple_data_split(to_regclass($1)::oid, h.t_data, h.t_infomask, h.t_infomask2, h.t_bits) AS parts
       FROM generate_series(0::int8, pg_relation_size(to_regclass($1)) / current_setting('block_size')::int8 - 1) AS b(blk),
            heap_page_items(get_raw_page($1, b.blk)) AS h
      WHERE h.lp_flags = 1 AND substring(h.t_data FROM 1 FOR 4) = ANY($2::bytea[])`,
    [toast, ids.map((id) => `\\x${Buffer.from(new Uint32Array([id]).buffer).toString('hex')}`)],
  );
  const out = new Map<number, Map<number, Buffer>>();
  for (const r of rows) {
    const id = r.parts[0].readUInt32LE(0);
    const seq = r.parts[1].readInt32LE(0);
    const data = varlena(r.parts[2]);
    if (!Buffer.isBuffer(data)) continue;
    let m = out.get(id);
    if (!m) out.set(id, (m = new Map<number, Buffer>()));
    m.set(seq, data);
  }
  const result = new Map<number, Buffer[]>();
  for (const [id, m] of out)
    result.set(
      id,
      [...m.entries()].sort((a, b) => a[0] - b[0]).map(([, b]) => b),
    );
  return result;
}

/** A TOAST value's payload from its chunks, or why it cannot be had. */
function reassemble(p: ToastPointer, chunks: Buffer[] | undefined): Buffer | string {
  const gone = 'its TOAST chunks are gone (the TOAST table was vacuumed)';
  if (!chunks?.length) return gone;
  const data = Buffer.concat(chunks);
  if (data.length !== p.extSize) return gone;
  if (p.method === null) return data;
  // External compressed: the chunks start with the raw size and method, then the compressed bytes.
  const tcinfo = data.readUInt32LE(0);
  return decompress(data.subarray(4), tcinfo & 0x3fffffff, tcinfo >>> 30);
}
