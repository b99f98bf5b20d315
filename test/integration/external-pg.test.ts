import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { detectDump } from '../../src/external/detect.js';
import type { DetectedDump, DumpIndex, ExternalBackupRecord } from '../../src/external/model.js';
import { indexPgDump, pgExternalTable } from '../../src/external/pg/index.js';
import { SqlScanner } from '../../src/external/pg/sql-scan.js';
import type { RowSource } from '../../src/stage/row-source.js';
import { stageFromSource } from '../../src/stage/stage-rows.js';
import { PG_ADMIN_URL } from '../helpers/servers.js';
import { attachTempDb, createTempDb, uniqueName, type TempDb } from '../helpers/temp-db.js';

/**
 * PostgreSQL dumps made by the real tools (pg_dump in its four formats, --inserts,
 * --column-inserts, pg_dumpall, compressed, inside an Odoo-style zip): each detected, indexed and
 * one table staged through stageFromSource, then compared with the source row for row.
 */

const pgUrl = new URL(PG_ADMIN_URL);
const connArgs = ['-h', pgUrl.hostname, '-p', pgUrl.port || '5432', '-U', decodeURIComponent(pgUrl.username || 'root')];

const SOURCE_SQL = String.raw`
CREATE TABLE public.contacts (
  id int PRIMARY KEY, name text, note text, data bytea, amount numeric(14,4), seen timestamptz,
  tags text[], doc jsonb, flag boolean, bits bit varying(8), f float8, email text UNIQUE
);
INSERT INTO public.contacts VALUES
  (1, NULL, '', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
  (2, '', NULL, '\x00ff5c0a'::bytea, 12345678.1234, '2026-01-02 03:04:05.123456+02', '{a,"b c",NULL,"d\\\"e",""}', '{"a": [1, "x\ny"], "b": null}', true, B'1010', 'NaN', 'two@example.com'),
  (3, E'back\\slash \\N \\. tab\there', E'line1\nline2\r\nline3', '\x'::bytea, -0.5, '1999-12-31 23:59:59+00', '{}', '[]', false, B'', '-Infinity', 'three@example.com'),
  (4, 'ünïcødé € 😀 ''quoted'' "dq"', E'\\.\nDROP TABLE x;', '\x5c2e0a', 0, 'infinity', '{"{}"}', '"s"', NULL, B'11111111', 1e-300, NULL);
INSERT INTO public.contacts (id, name, note, amount, f, email)
  SELECT g, 'name ' || g, repeat('n', g % 7) || E'\t' || g, g * 1.5, g / 3.0, 'e' || g || '@x' FROM generate_series(5, 300) g;
CREATE SCHEMA "we""ird";
CREATE TABLE "we""ird"."Ta ble" ("Id" int NOT NULL, "Va lue" text, CONSTRAINT "we""pk" PRIMARY KEY ("Id"));
INSERT INTO "we""ird"."Ta ble" VALUES (1, 'x'), (2, NULL), (3, E'tab\there');
CREATE TABLE public.other (id int PRIMARY KEY, v text);
INSERT INTO public.other SELECT g, 'other ' || g FROM generate_series(1, 50) g;
`;

const LIVE_SQL = String.raw`
CREATE TABLE public.contacts (
  id int PRIMARY KEY, name text, note text, data bytea, amount numeric(14,4), seen timestamptz,
  tags text[], doc jsonb, flag boolean, bits bit varying(8), f float8, email text UNIQUE
);
CREATE SCHEMA "we""ird";
CREATE TABLE "we""ird"."Ta ble" ("Id" int NOT NULL PRIMARY KEY, "Va lue" text);
CREATE TABLE public.sentinel (id int);
`;

function run(tool: string, args: string[], opts: { input?: Buffer } = {}): Buffer {
  return execFileSync(tool, args, { input: opts.input, maxBuffer: 256 << 20, stdio: ['pipe', 'pipe', 'pipe'] });
}

describe('PostgreSQL dumps of other tools', () => {
  let src: TempDb;
  let live: TempDb;
  let db: Db;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crt-extpg-'));
    src = await createTempDb('postgres', 'extpgsrc');
    live = await createTempDb('postgres', 'extpglive');
    await src.exec(SOURCE_SQL);
    await live.exec(LIVE_SQL);
    db = await openDb(completeTarget(parseTargetUrl(live.url)), { readOnly: false, interactive: false });
  });
  afterAll(async () => {
    await db?.close();
    await src?.drop();
    await live?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const checksum = async (t: TempDb | Db, table: string) => {
    const sql = `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum FROM ${table} t`;
    const rows = 'exec' in t ? await t.query<{ n: number; sum: string }>(sql) : await t.query<{ n: number; sum: string }>(sql);
    return rows[0];
  };

  /** Indexes the dump, stages one table through stageFromSource, and returns what it staged. */
  async function stage(d: DetectedDump, schema: string, name: string, opts: { database?: string; edit?: (index: DumpIndex) => void } = {}) {
    const index = await indexPgDump(d, {});
    opts.edit?.(index);
    const table = index.tables.find((t) => t.schema === schema && t.name === name && (opts.database === undefined || t.database === opts.database));
    expect(table, `${schema}.${name} in ${index.tables.map((t) => `${t.database}/${t.schema}.${t.name}`).join(', ')}`).toBeTruthy();
    const st = await stat(d.location.path);
    const record: ExternalBackupRecord = {
      format: 'crm-rescue-external',
      formatVersion: 1,
      id: `ext-${randomBytes(4).toString('hex')}`,
      importedAt: new Date(0).toISOString(),
      files: [{ path: d.location.path, bytes: st.size, mtimeMs: st.mtimeMs, sha256: '' }],
      copied: false,
      index,
    };
    const t = pgExternalTable(db, record, table!, { schema, name });
    const source: RowSource = {
      id: record.id,
      database: 'x',
      about: { description: 'external', takenAt: null, coversUntil: null },
      find: () => Promise.resolve([t]),
      forLive: () => t,
    };
    let progressed = 0;
    const res = await stageFromSource(db, source, [t], { onProgress: (e) => (progressed = Math.max(progressed, e.bytes)) });
    const staged = res.tables[0];
    const q = db.dialect.quoteQualified(res.namespace, staged.stagedAs);
    return { index, staged, q, ns: res.namespace, progressed };
  }

  async function expectSame(d: DetectedDump, schema: string, name: string, opts: { database?: string; from?: TempDb; edit?: (index: DumpIndex) => void } = {}) {
    const r = await stage(d, schema, name, opts);
    const q = `${db.dialect.quoteQualified(schema, name)}`;
    const want = await checksum(opts.from ?? src, q);
    expect(await checksum(db, r.q)).toEqual(want);
    expect(r.staged.rows).toBe(want.n);
    const keys = await db.query<{ def: string }>(
      `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype IN ('p','u') ORDER BY 1`,
      [r.q],
    );
    return { ...r, keys: keys.map((k) => k.def) };
  }

  const dump = (file: string, args: string[], db = src.name) => {
    const path = join(dir, file);
    run('pg_dump', [...connArgs, ...args, '-f', path, db]);
    return path;
  };

  it('custom archive (-Fc): index from the TOC, stage with awkward values, keys, hostile names', async () => {
    const path = dump('c.dump', ['-Fc']);
    const d = await detectDump(path);
    expect(d.format).toBe('pg-custom');
    const r = await expectSame(d, 'public', 'contacts');
    expect(r.index.takenAtSource).toBe('archive-header');
    expect(r.index.takenAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(r.index.tool).toMatch(/^pg_dump \d+\.\d+/);
    expect(r.index.serverVersion).toMatch(/^\d+\.\d+/);
    expect(r.index.databases).toEqual([src.name]);
    expect(r.keys).toEqual(['PRIMARY KEY (id)', 'UNIQUE (email)']);
    expect(r.progressed).toBeGreaterThan(0);
    // Keys recorded at import (one schema read for pre- and post-data); an older record without them reads them at staging.
    expect(r.index.tables.find((t) => t.name === 'contacts')!.keys).toEqual([
      { kind: 'UNIQUE', columns: ['email'] },
      { kind: 'PRIMARY KEY', columns: ['id'] },
    ]);
    const old = await expectSame(d, 'public', 'contacts', { edit: (index) => index.tables.forEach((t) => delete t.keys) });
    expect(old.keys).toEqual(['PRIMARY KEY (id)', 'UNIQUE (email)']);
    const w = await expectSame(d, 'we"ird', 'Ta ble');
    expect(w.keys).toEqual(['PRIMARY KEY ("Id")']);
    expect(r.index.tables.find((t) => t.name === 'Ta ble')).toMatchObject({ schema: 'we"ird', hasDefinition: true, hasData: true });
  });

  it('directory (-Fd) and tar (-Ft, also gzipped: fed on stdin) archives', async () => {
    const dirPath = join(dir, 'd.dir');
    run('pg_dump', [...connArgs, '-Fd', '-f', dirPath, src.name]);
    const d = await detectDump(dirPath);
    expect(d.format).toBe('pg-directory');
    const r = await expectSame(d, 'public', 'contacts');
    expect(r.index.tables.find((t) => t.name === 'contacts')!.bytes).toBeGreaterThan(0);
    await expectSame(d, 'we"ird', 'Ta ble');
    const tar = dump('t.tar', ['-Ft']);
    const dt = await detectDump(tar);
    expect(dt.format).toBe('pg-tar');
    await expectSame(dt, 'public', 'contacts');
    run('gzip', ['-k', tar]);
    const dtz = await detectDump(`${tar}.gz`);
    expect([dtz.format, dtz.compression]).toEqual(['pg-tar', 'gzip']);
    await expectSame(dtz, 'we"ird', 'Ta ble');
  });

  it('plain SQL, bare and compressed (gzip, xz, zstd), with \\restrict lines', async () => {
    const path = dump('p.sql', ['-v']);
    const text = await readFile(path, 'latin1');
    const d = await detectDump(path);
    expect(d.format).toBe('pg-plain');
    const r = await expectSame(d, 'public', 'contacts');
    expect(r.keys).toEqual(['PRIMARY KEY (id)', 'UNIQUE (email)']);
    const t = r.index.tables.find((x) => x.name === 'contacts')!;
    expect(t).toMatchObject({ rows: 300, hasDefinition: true, hasData: true });
    expect(r.index.tool).toMatch(/^pg_dump \d+/);
    if (/^-- Completed on .* (UTC|GMT)$/m.test(text)) expect(r.index.takenAtSource).toBe('dump-completed');
    else expect(['dump-completed', 'mtime']).toContain(r.index.takenAtSource);
    // Its keys recorded at import, the pass may stop after its data: never more than the file.
    expect(r.staged.bytes).toBeLessThanOrEqual((await stat(path)).size);
    expect(t.keys).toEqual([
      { kind: 'UNIQUE', columns: ['email'] },
      { kind: 'PRIMARY KEY', columns: ['id'] },
    ]);
    await expectSame(d, 'we"ird', 'Ta ble');
    for (const [tool, ext] of [
      ['gzip', 'gz'],
      ['xz', 'xz'],
      ['zstd', 'zst'],
    ]) {
      const out = `${path}.${ext}`;
      await writeFile(out, run(tool, ['-c', path]));
      const dc = await detectDump(out);
      expect(dc.format).toBe('pg-plain');
      await expectSame(dc, 'public', 'contacts');
    }
  });

  it('a plain gzip dump whose table comes first: staging stops after its data, with the keys recorded at import', async () => {
    await src.exec(String.raw`
      CREATE TABLE public.aa_first (id int PRIMARY KEY, email text UNIQUE, v text);
      INSERT INTO public.aa_first SELECT g, 'e' || g || '@x', E'tab	here ' || g FROM generate_series(1, 200) g;
      CREATE TABLE public.zz_bulk (id int PRIMARY KEY, v text);
      -- Few wide rows of hex (compresses to about half): a file far larger than reading ahead, at a sixth of the statements.
      INSERT INTO public.zz_bulk SELECT g, (SELECT string_agg(md5(random()::text || k), '') FROM generate_series(1, 12) k WHERE g > 0) FROM generate_series(1, 40000) g;`);
    try {
      for (const args of [[], ['--inserts']]) {
        const path = dump(`first${args.join('')}.sql`, [...args, '-t', 'public.aa_first', '-t', 'public.zz_bulk']);
        await writeFile(`${path}.gz`, run('gzip', ['-c', path]));
        const d = await detectDump(`${path}.gz`);
        const size = (await stat(`${path}.gz`)).size;
        const r = await expectSame(d, 'public', 'aa_first');
        const t = r.index.tables.find((x) => x.name === 'aa_first')!;
        expect(t.dataStatements).toBe(args.length ? 200 : 1);
        // In the dump's order (constraints by name).
        expect(t.keys).toEqual([
          { kind: 'UNIQUE', columns: ['email'] },
          { kind: 'PRIMARY KEY', columns: ['id'] },
        ]);
        expect(r.keys).toEqual(['PRIMARY KEY (id)', 'UNIQUE (email)']);
        expect(r.staged.bytes).toBeGreaterThan(0);
        // Reading ahead holds a few MiB at most (1 MiB file chunks): far below the ~10 MB file.
        expect(r.staged.bytes).toBeLessThan(size / 2);
        expect(r.progressed).toBeLessThan(size / 2);

        // A record of an older version (no keys recorded): read to the end, the same copy and keys.
        const old = await expectSame(d, 'public', 'aa_first', {
          edit: (index) => {
            for (const x of index.tables) {
              delete x.keys;
              delete x.dataStatements;
            }
          },
        });
        expect(old.keys).toEqual(['PRIMARY KEY (id)', 'UNIQUE (email)']);
        expect(old.staged.bytes).toBe(size);

        // Recorded keys of a shape the dump cannot declare are not used: the pass reads on for them.
        const odd = await expectSame(d, 'public', 'aa_first', {
          edit: (index) => {
            const x = index.tables.find((y) => y.name === 'aa_first')!;
            x.keys = [{ kind: 'CHECK' as 'UNIQUE', columns: ['id'] }];
          },
        });
        expect(odd.keys).toEqual(['PRIMARY KEY (id)', 'UNIQUE (email)']);
        expect(odd.staged.bytes).toBe(size);
      }
    } finally {
      await src.exec('DROP TABLE public.aa_first, public.zz_bulk');
    }
  });

  it('--inserts and --column-inserts with --rows-per-insert: INSERTs read as COPY rows, never run', async () => {
    const ins = dump('ins.sql', ['--inserts']);
    const d = await detectDump(ins);
    const r = await expectSame(d, 'public', 'contacts');
    expect(r.keys).toEqual(['PRIMARY KEY (id)', 'UNIQUE (email)']);
    expect(r.index.tables.find((t) => t.name === 'contacts')!.rows).toBe(300);
    await expectSame(d, 'we"ird', 'Ta ble');
    const cols = dump('cols.sql', ['--column-inserts', '--rows-per-insert=3']);
    const dc = await detectDump(cols);
    await expectSame(dc, 'public', 'contacts');
    await expectSame(dc, 'we"ird', 'Ta ble');
  });

  it('pg_dumpall: each database its own section; a table staged from the chosen one', async () => {
    const prefix = uniqueName('extpgall');
    const a = attachTempDb('postgres', `${prefix}a`);
    const b = attachTempDb('postgres', `${prefix}b`);
    const admin = attachTempDb('postgres', 'postgres');
    try {
      await admin.exec(`CREATE DATABASE "${a.name}"`);
      await admin.exec(`CREATE DATABASE "${b.name}"`);
      await a.exec(`CREATE TABLE public.contacts (id int PRIMARY KEY, v text); INSERT INTO public.contacts VALUES (1, 'a1'), (2, E'a\\2');`);
      await b.exec(`CREATE TABLE public.contacts (id int PRIMARY KEY, v text); INSERT INTO public.contacts VALUES (7, 'b7');`);
      const path = join(dir, 'all.sql');
      // Only our two databases: every name that does not start with their prefix is excluded (the
      // server is shared), with patterns `<first i chars>[^<char i>]*` and `<first i chars>`.
      const exclude = [...prefix].flatMap((c, i) => [
        `--exclude-database=${prefix.slice(0, i)}[^${c}]*`,
        ...(i ? [`--exclude-database=${prefix.slice(0, i)}`] : []),
      ]);
      run('pg_dumpall', [...connArgs, ...exclude, '-f', path]);
      expect((await stat(path)).size).toBeLessThan(1 << 20);
      const d = await detectDump(path);
      expect(d.format).toBe('pg-dumpall');
      const index = await indexPgDump(d, {});
      expect(index.databases.sort()).toEqual([a.name, b.name].sort());
      expect(index.tool).toMatch(/^pg_dumpall \d+/);
      expect(index.tables.filter((t) => t.name === 'contacts').map((t) => [t.database, t.rows])).toEqual(
        expect.arrayContaining([
          [a.name, 2],
          [b.name, 1],
        ]),
      );
      await expectSame(d, 'public', 'contacts', { database: b.name, from: b });
      await expectSame(d, 'public', 'contacts', { database: a.name, from: a });
    } finally {
      await a.drop();
      await b.drop();
    }
  });

  it("an Odoo-style zip (dump.sql, manifest.json, filestore/) and a data-only dump staged with the live table's definition", async () => {
    const zdir = join(dir, 'odoo');
    await mkdir(join(zdir, 'filestore', 'ab'), { recursive: true });
    run('pg_dump', [...connArgs, '--no-owner', '-f', join(zdir, 'dump.sql'), src.name]);
    await writeFile(join(zdir, 'manifest.json'), JSON.stringify({ odoo_dump: '1', db_name: src.name, version: '17.0', pg_version: '15' }));
    await writeFile(join(zdir, 'filestore', 'ab', 'abcdef'), 'attachment');
    const zip = join(dir, 'odoo.zip');
    execFileSync('zip', ['-q', '-r', zip, 'dump.sql', 'manifest.json', 'filestore'], { cwd: zdir });
    const d = await detectDump(zip);
    expect([d.format, d.location.members]).toEqual(['pg-plain', ['dump.sql']]);
    await expectSame(d, 'public', 'contacts');

    const dataOnly = dump('data-only.sql', ['-a', '-t', 'public.contacts']);
    const r = await expectSame(await detectDump(dataOnly), 'public', 'contacts');
    expect(r.staged.note).toBe(' (definition from the live table: the dump has none)');
    expect(r.index.tables.find((t) => t.name === 'contacts')).toMatchObject({ hasDefinition: false, hasData: true });
    const dataOnlyArchive = dump('data-only.dump', ['-Fc', '-a', '-t', 'public.contacts']);
    const ra = await expectSame(await detectDump(dataOnlyArchive), 'public', 'contacts');
    expect(ra.staged.note).toBe(' (definition from the live table: the dump has none)');
  });

  it('a truncated gzip says which table its data ended in, and at which byte', async () => {
    await src.exec(
      `CREATE TABLE public.big (id int PRIMARY KEY, v text); INSERT INTO public.big SELECT g, md5(g::text) || repeat(md5((g*7)::text), 3) FROM generate_series(1, 40000) g;`,
    );
    try {
      const path = dump('big.sql', ['-t', 'public.big', '-t', 'public.other']);
      const gz = run('gzip', ['-c', path]);
      const cut = join(dir, 'big-cut.sql.gz');
      await writeFile(cut, gz.subarray(0, Math.floor(gz.length * 0.6)));
      const d = await detectDump(cut);
      const index: DumpIndex = {
        ...(await indexPgDump(await detectDump(`${path}`), {})),
        compression: 'gzip',
        location: d.location,
      };
      const table = index.tables.find((t) => t.name === 'big')!;
      const st = await stat(cut);
      const record: ExternalBackupRecord = {
        format: 'crm-rescue-external',
        formatVersion: 1,
        id: `ext-${randomBytes(4).toString('hex')}`,
        importedAt: new Date(0).toISOString(),
        files: [{ path: cut, bytes: st.size, mtimeMs: st.mtimeMs, sha256: '' }],
        copied: false,
        index,
      };
      const t = pgExternalTable(db, record, table, { schema: 'public', name: 'contacts' });
      const source: RowSource = {
        id: record.id,
        database: 'x',
        about: { description: 'x', takenAt: null, coversUntil: null },
        find: async () => [t],
        forLive: () => t,
      };
      const err = await stageFromSource(db, source, [t]).catch((e: unknown) => e as Error);
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).message).toMatch(/the gzip stream is truncated at byte \d+ of the file, in the data of public\.big$/);
      expect((err as Error).message).not.toContain('\n');
      await expect(indexPgDump(d, {})).rejects.toThrow(/truncated at byte \d+ of the file, in the data of public\.big$/);
      // Nothing half-visible: no staged copy of the table.
      const left = await db.query(`SELECT 1 FROM pg_tables WHERE tablename LIKE 'big%' OR tablename LIKE 'contacts__new%'`);
      expect(left).toEqual([]);

      // An uncompressed plain dump cut short in the middle of the rows.
      const plainCut = join(dir, 'big-cut.sql');
      const whole = await readFile(path);
      await writeFile(plainCut, whole.subarray(0, Math.floor(whole.length * 0.5)));
      const dp: DetectedDump = { ...d, compression: 'none', location: { path: plainCut, members: [] }, files: [plainCut] };
      await expect(stage(dp, 'public', 'big')).rejects.toThrow(/ends inside a COPY block.*, in the data of public\.big: the file is incomplete$/);

      // A tar archive compressed whole and cut short: pg_restore reads it on stdin, the gzip error says where.
      const tar = dump('big.tar', ['-Ft', '-t', 'public.big']);
      const tgz = run('gzip', ['-c', tar]);
      const tcut = join(dir, 'big-cut.tar.gz');
      await writeFile(tcut, tgz.subarray(0, Math.floor(tgz.length * 0.6)));
      // (detectDump lists a tar whole, and so refuses it at once; the case here is a file damaged after import.)
      const dt: DetectedDump = { ...(await detectDump(tar)), compression: 'gzip', location: { path: tcut, members: [] }, files: [tcut] };
      await expect(stage(dt, 'public', 'big')).rejects.toThrow(/the gzip stream is truncated at byte \d+ of the file, in the data of public\.big$/);
    } finally {
      await src.exec('DROP TABLE public.big');
    }
  });

  it('a custom archive newer than this pg_restore: one line saying which version to install', async () => {
    const path = dump('new.dump', ['-Fc']);
    const bytes = await readFile(path);
    expect(bytes.toString('latin1', 0, 5)).toBe('PGDMP');
    // The header's version bytes: major, minor, revision. 1.16 is pg_dump 17's.
    bytes[6] = 16;
    const patched = join(dir, 'newer.dump');
    await writeFile(patched, bytes);
    const d = await detectDump(patched);
    await expect(indexPgDump(d, {})).rejects.toThrow(/made by pg_dump 17 or later \(archive version 1\.16\)/);
    const err = (await indexPgDump(d, {}).catch((e: unknown) => e)) as Error & { hint?: string };
    expect(err.hint).toMatch(/postgresql-client-17/);
  });

  it('the plain pass finds the same statements and rows whatever the chunk boundaries', async () => {
    const tricky = [
      "CREATE FUNCTION public.f() RETURNS text LANGUAGE sql AS $body$ SELECT 'x;'; COPY t FROM stdin; $body$;",
      "COMMENT ON TABLE public.contacts IS 'a; b '' -- not a comment\nCOPY public.contacts (id) FROM stdin;';",
      "SELECT E'\\';' AS a, $$;$$ AS b, /* ; /* nested ; */ */ 'c' AS \"d;\";",
      '-- a comment; COPY x FROM stdin;',
      'COPY public.contacts (id, name) FROM stdin;',
      '1\ta\\.b',
      '\\.x',
      '\\.',
      "INSERT INTO public.contacts VALUES (2, 'multi\nline; \\. -- ''q''');",
      '',
    ].join('\n');
    const plain = dump('chunks.sql', ['--column-inserts', '--rows-per-insert=2']);
    for (const text of [Buffer.from(tricky), await readFile(plain)]) {
      const scan = async (size: number) => {
        const chunks: Buffer[] = [];
        for (let i = 0; i < text.length; i += size) chunks.push(text.subarray(i, i + size));
        const sc = new SqlScanner(Readable.from(chunks), (h) => (/^(INSERT|CREATE|COMMENT|SELECT)/.test(h) ? 'capture' : 'measure'));
        const out: string[] = [];
        // copy-data events are split at chunk boundaries: their concatenation is compared.
        let data = '';
        for await (const ev of sc.events()) {
          if (ev.kind === 'copy') sc.emitCopy = true;
          if (ev.kind === 'copy-data') data += ev.data.toString('latin1');
          else {
            if (ev.kind === 'copy-end') out.push(JSON.stringify({ data }));
            data = '';
            out.push(JSON.stringify(ev));
          }
        }
        return out.join('\n');
      };
      const whole = await scan(text.length);
      if (text.length < 2000) {
        expect(whole).toContain('"kind":"copy","header":"COPY public.contacts (id, name) FROM stdin;"');
        expect(whole).toContain('{"data":"1\\ta\\\\.b\\n\\\\.x\\n"}');
        expect(whole.match(/"kind":"copy"/g)).toHaveLength(1);
      }
      for (const size of [1, 2, 3, 7, 64, 1000]) expect(await scan(size)).toBe(whole);
    }
  });

  it('a hostile plain dump: only the table and its rows reach the server', async () => {
    const marker = join(dir, `pwned-${randomBytes(3).toString('hex')}`);
    const hostile = [
      'SET standard_conforming_strings = on;',
      `\\! touch ${marker}`,
      `DROP DATABASE "${live.name}";`,
      'GRANT ALL ON SCHEMA public TO PUBLIC;',
      'CREATE FUNCTION public.evil() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN DROP TABLE public.sentinel; RETURN NULL; END $$;',
      'CREATE TABLE public.contacts (',
      '    id integer NOT NULL,',
      '    name text',
      ');',
      'CREATE TRIGGER t AFTER INSERT ON public.contacts FOR EACH ROW EXECUTE FUNCTION public.evil();',
      'COPY public.other (id, v) FROM stdin;',
      '1\tnot ours',
      '\\.',
      'DROP TABLE public.sentinel;',
      'COPY public.contacts (id, name) FROM stdin;',
      '1\tone',
      '2\t\\N',
      '\\.',
      'DROP TABLE public.sentinel;',
      `\\! touch ${marker}`,
      "INSERT INTO public.contacts VALUES (3, 'x'); DROP TABLE public.sentinel;",
      'ALTER TABLE ONLY public.contacts',
      '    ADD CONSTRAINT contacts_pkey PRIMARY KEY (id); DROP TABLE public.sentinel;',
      'ALTER TABLE ONLY public.contacts',
      '    ADD CONSTRAINT contacts_name_key UNIQUE (name);',
      '',
    ].join('\n');
    const path = join(dir, 'hostile.sql');
    await writeFile(path, `--\n-- PostgreSQL database dump\n--\n\n${hostile}`);
    const d: DetectedDump = {
      engine: 'postgres',
      format: 'pg-plain',
      wrapper: null,
      compression: 'none',
      location: { path, members: [] },
      head: Buffer.alloc(0),
      files: [path],
    };
    const r = await stage(d, 'public', 'contacts');
    const rows = await db.query<{ id: number; name: string | null }>(`SELECT id, name FROM ${r.q} ORDER BY id`);
    expect(rows).toEqual([
      { id: 1, name: 'one' },
      { id: 2, name: null },
      { id: 3, name: 'x' },
    ]);
    expect(existsSync(marker)).toBe(false);
    expect(await live.query(`SELECT to_regclass('public.sentinel') IS NOT NULL AS ok`)).toEqual([{ ok: true }]);
    expect(await live.query(`SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'evil'`)).toEqual([{ n: 0 }]);
    expect(await live.query(`SELECT count(*)::int AS n FROM pg_trigger WHERE NOT tgisinternal`)).toEqual([{ n: 0 }]);
    const keys = await db.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass`, [r.q]);
    expect(keys.map((k) => k.def).sort()).toEqual(['PRIMARY KEY (id)', 'UNIQUE (name)']);

    // A row that does not fit: psql's error, in one line.
    const bad = join(dir, 'bad-row.sql');
    await writeFile(bad, 'CREATE TABLE public.contacts (\n    id integer NOT NULL\n);\nCOPY public.contacts (id) FROM stdin;\nnot a number\n\\.\n');
    const badErr = (await stage({ ...d, location: { path: bad, members: [] }, files: [bad] }, 'public', 'contacts').catch((e: unknown) => e)) as Error;
    expect(badErr.message).toMatch(/invalid input syntax for type integer: "not a number"$/);

    // An INSERT with anything but pg_dump's literals is refused, not run.
    const expr = join(dir, 'expr-insert.sql');
    await writeFile(
      expr,
      'CREATE TABLE public.contacts (\n    id integer NOT NULL\n);\nINSERT INTO public.contacts VALUES ((SELECT count(*) FROM pg_class));\n',
    );
    await expect(stage({ ...d, location: { path: expr, members: [] }, files: [expr] }, 'public', 'contacts')).rejects.toThrow(
      /^the dump's INSERT into public\.contacts holds a value it cannot read \("\(SELECT count\(\*\) FRO"\)/,
    );

    // A CREATE TABLE whose body would end the probe's statement is refused, not run.
    const evil = join(dir, 'evil-create.sql');
    await writeFile(
      evil,
      'CREATE TABLE public.contacts (id int, x int DEFAULT (1); DROP TABLE public.sentinel; SELECT (1));\nCOPY public.contacts (id) FROM stdin;\n1\n\\.\n',
    );
    const de: DetectedDump = { ...d, location: { path: evil, members: [] }, files: [evil] };
    await expect(stage(de, 'public', 'contacts')).rejects.toThrow(/definition of public\.contacts cannot be read/);
    expect(await live.query(`SELECT to_regclass('public.sentinel') IS NOT NULL AS ok`)).toEqual([{ ok: true }]);
  });
});
