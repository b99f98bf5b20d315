import type { Queryable } from '../../dialect/queryable.js';
import { ALIGN_BYTES } from './decode.js';

/** One attribute of a table as the pages store it (dropped ones included: they take room in old tuples). */
export interface PgAttribute {
  attnum: number;
  name: string;
  /** The type as the server spells it with modifiers (`numeric(12,2)`), for the work table. */
  type: string;
  /** The base type's name (a domain's base), what the decoder goes by. */
  baseType: string;
  /** The base type's oid (an enum's labels are looked up by it). */
  baseOid: number;
  /** `pg_type.typtype` of the base type: `b` base, `e` enum, `c` composite, `r` range… */
  typtype: string;
  /** The base type's element (an array's), 0 otherwise. */
  elem: number;
  /** An array's element type: its name, length (-1 varlena) and alignment (`c`, `s`, `i`, `d`). */
  elemType: string | null;
  elemLen: number;
  elemAlign: string;
  dropped: boolean;
  generated: boolean;
  notNull: boolean;
  /** Added later with a default that old tuples do not store (attmissingval). */
  hasMissing: boolean;
  /** `attlen` (-1 varlena, -2 C string) and `attalign` in bytes: how tuples lay it out (kept for dropped columns too). */
  len: number;
  align: number;
}

/** The table's attributes in attnum order (user columns only). */
export async function pgAttributes(db: Queryable, quoted: string): Promise<PgAttribute[]> {
  const rows = await db.query<{
    attnum: number;
    attname: string;
    type: string | null;
    base: string | null;
    base_oid: number | null;
    typtype: string | null;
    elem: number | null;
    elem_name: string | null;
    elem_len: number | null;
    elem_align: string | null;
    attisdropped: boolean;
    attgenerated: string;
    attnotnull: boolean;
    atthasmissing: boolean;
    attlen: number;
    attalign: string;
  }>(
    `SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type,
            bt.typname AS base, bt.oid::int8 AS base_oid, bt.typtype, bt.typelem::int AS elem,
            CASE WHEN bt.typlen = -1 THEN et.typname END AS elem_name, et.typlen::int AS elem_len, et.typalign::text AS elem_align,
            a.attisdropped, a.attgenerated::text AS attgenerated, a.attnotnull, a.atthasmissing, a.attlen::int AS attlen, a.attalign::text AS attalign
       FROM pg_attribute a
       LEFT JOIN pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
      LEFT JOIN pg_type et ON et.oid = bt.typelem AND bt.typelem <> 0
      WHERE a.attrelid = to_regclass($1) AND a.attnum > 0
      ORDER BY a.attnum`,
    [quoted],
  );
  return rows.map((r) => ({
    attnum: r.attnum,
    name: r.attname,
    type: r.type ?? '',
    baseType: r.base ?? '',
    baseOid: Number(r.base_oid ?? 0),
    typtype: r.typtype ?? '',
    elem: r.elem ?? 0,
    elemType: r.elem_name,
    elemLen: r.elem_len ?? 0,
    elemAlign: r.elem_align ?? 'i',
    dropped: r.attisdropped,
    generated: r.attgenerated !== '',
    notNull: r.attnotnull,
    hasMissing: r.atthasmissing,
    len: r.attlen,
    align: ALIGN_BYTES[r.attalign] ?? 8,
  }));
}
