import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { completeTarget } from '../../src/connect/resolve.js';
import type { SchemaSnapshot } from '../../src/dialect/model.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { engines } from '../helpers/servers.js';

/** One schema, spelled per engine, full of identifiers that break naive SQL. */
const HOSTILE: Record<(typeof engines)[number], string> = {
  postgres: `
    CREATE TABLE "Ac""counts" (id int PRIMARY KEY, "na me" text, "ñandú" text, deleted smallint DEFAULT 0);
    CREATE TABLE "select" ("order" int, "Grüße" varchar(50) NOT NULL, maybe int, UNIQUE ("Grüße"), UNIQUE (maybe));
    CREATE TABLE "Child Rows" (id bigserial PRIMARY KEY, "acc\`id" int REFERENCES "Ac""counts"(id) ON DELETE CASCADE, deleted_at timestamptz);
    CREATE TABLE pair (b int, a int, note text, PRIMARY KEY (b, a));
    CREATE TABLE pair_child (x int PRIMARY KEY, pb int, pa int, FOREIGN KEY (pb, pa) REFERENCES pair (b, a));
    CREATE TABLE nokey (v text);
    CREATE SCHEMA "Other Schema";
    CREATE TABLE "Other Schema".t (k int PRIMARY KEY);
    INSERT INTO pair SELECT g, g, 'x' FROM generate_series(1, 500) g;
    ANALYZE;`,
  mysql: `
    CREATE TABLE \`Ac"counts\` (id int PRIMARY KEY, \`na me\` text, \`ñandú\` text, deleted tinyint DEFAULT 0);
    CREATE TABLE \`select\` (\`order\` int, \`Grüße\` varchar(50) NOT NULL, maybe int, UNIQUE (\`Grüße\`), UNIQUE (maybe));
    CREATE TABLE \`Child Rows\` (id bigint AUTO_INCREMENT PRIMARY KEY, \`acc\`\`id\` int, deleted_at datetime, FOREIGN KEY (\`acc\`\`id\`) REFERENCES \`Ac"counts\`(id) ON DELETE CASCADE);
    CREATE TABLE pair (b int, a int, note text, PRIMARY KEY (b, a));
    CREATE TABLE pair_child (x int PRIMARY KEY, pb int, pa int, FOREIGN KEY (pb, pa) REFERENCES pair (b, a));
    CREATE TABLE nokey (v text);
    INSERT INTO pair SELECT seq, seq, 'x' FROM seq_1_to_500;
    ANALYZE TABLE pair;`,
};

describe.each(engines)('%s introspection', (engine) => {
  let temp: TempDb;
  let db: Db;
  let snap: SchemaSnapshot;
  const acc = engine === 'postgres' ? 'Ac"counts' : 'Ac"counts';
  const childFkCol = engine === 'postgres' ? 'acc`id' : 'acc`id';

  beforeAll(async () => {
    temp = await createTempDb(engine, 'introspect');
    await temp.exec(HOSTILE[engine]);
    db = await openDb(completeTarget(parseTargetUrl(temp.url)), { interactive: false });
    snap = await db.dialect.introspect(db);
  });
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });

  const table = (name: string) => {
    const t = snap.tables.find((x) => x.name === name);
    if (!t) throw new Error(`table ${name} not introspected; have ${snap.tables.map((x) => x.name).join(', ')}`);
    return t;
  };

  it('names the database and server version', () => {
    expect(snap.database).toBe(temp.name);
    expect(snap.serverVersion).toMatch(/^\d+\.\d+/);
  });

  it('reads tables and columns with hostile names, in order', () => {
    expect(table(acc).columns.map((c) => c.name)).toEqual(['id', 'na me', 'ñandú', 'deleted']);
    expect(table('select').columns.map((c) => c.name)).toEqual(['order', 'Grüße', 'maybe']);
    expect(table('Child Rows').columns[0].autoIncrement).toBe(true);
    expect(table('Child Rows').columns[1].nullable).toBe(true);
    expect(table('select').columns[1].nullable).toBe(false);
  });

  it('reads primary keys, composite keys in key order, and unique keys with nullability', () => {
    expect(table(acc).primaryKey?.columns).toEqual(['id']);
    expect(table('pair').primaryKey?.columns).toEqual(['b', 'a']);
    expect(table('nokey').primaryKey).toBeNull();
    const uks = table('select').uniqueKeys.map((k) => ({ cols: k.columns, nullable: k.nullable }));
    expect(uks).toContainEqual({ cols: ['Grüße'], nullable: false });
    expect(uks).toContainEqual({ cols: ['maybe'], nullable: true });
  });

  it('reads foreign keys, composite ones paired in order, with the delete rule', () => {
    const fk = table('Child Rows').foreignKeys[0];
    expect(fk).toMatchObject({ columns: [childFkCol], refTable: acc, refColumns: ['id'], onDelete: 'CASCADE' });
    expect(table('pair_child').foreignKeys[0]).toMatchObject({ columns: ['pb', 'pa'], refTable: 'pair', refColumns: ['b', 'a'] });
  });

  it('estimates rows and sizes', () => {
    expect(table('pair').rowEstimate).toBeGreaterThan(100);
    expect(table('pair').bytes).toBeGreaterThan(0);
  });

  it.runIf(engine === 'postgres')('reads every non-system schema', () => {
    expect(snap.schemas).toContain('Other Schema');
    expect(snap.tables.find((t) => t.schema === 'Other Schema')?.primaryKey?.columns).toEqual(['k']);
  });

  it('reports privileges per action', async () => {
    const p = await db.dialect.privileges(db);
    expect(p.actions.inspect.allowed).toBe(true);
    expect(p.actions.backup.allowed).toBe(true);
    expect(p.actions.merge.allowed).toBe(true);
    expect(typeof p.user).toBe('string');
  });

  it('opens read-only by default: writes are refused by the server', async () => {
    const target = engine === 'postgres' ? '"Ac""counts"' : '`Ac"counts`';
    await expect(db.query(`INSERT INTO ${target} (id) VALUES (1)`)).rejects.toThrow(/read-only|READ ONLY/i);
    const rows = await temp.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${target}`);
    expect(Number(rows[0].n)).toBe(0);
  });
});
