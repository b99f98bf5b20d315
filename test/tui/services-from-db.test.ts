import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { servicesFromDb } from '../../src/tui/services-from-db.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

describe.each(['postgres', 'mysql'] as const)('console services over a real %s database', (engine) => {
  let temp: TempDb;
  let db: Db;
  beforeAll(async () => {
    temp = await createTempDb(engine, 'tuisvc');
    await temp.exec(
      engine === 'postgres'
        ? `CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL, deleted boolean NOT NULL DEFAULT false);
           CREATE TABLE contacts (id serial PRIMARY KEY, account_id int REFERENCES accounts(id) ON DELETE CASCADE, email text UNIQUE);
           INSERT INTO accounts(name) VALUES ('a'), ('b');`
        : `CREATE TABLE accounts (id int AUTO_INCREMENT PRIMARY KEY, name varchar(100) NOT NULL, deleted tinyint(1) NOT NULL DEFAULT 0) ENGINE=InnoDB;
           CREATE TABLE contacts (id int AUTO_INCREMENT PRIMARY KEY, account_id int, email varchar(100) UNIQUE, FOREIGN KEY (account_id) REFERENCES accounts(id) ON DELETE CASCADE) ENGINE=InnoDB;
           INSERT INTO accounts(name) VALUES ('a'), ('b');`,
    );
    db = await openDb(parseTargetUrl(temp.url), { interactive: false });
  });
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });

  it('overview, tables and a table with its relations both ways', async () => {
    const services = servicesFromDb(db);
    const overview = await services.loadOverview();
    expect(overview).toMatchObject({ engine, database: temp.name, totals: { tables: 2 } });
    expect(overview.target).not.toMatch(/:[^/@]*@/);
    const tables = await services.listTables();
    expect(tables.map((t) => t.display)).toEqual(['accounts', 'contacts']);
    expect(tables[0]).toMatchObject({ key: 'id', softDelete: 'deleted' });
    const contacts = await services.tableDetail(tables[1].id);
    expect(contacts.columns.map((c) => [c.name, c.keyRole])).toEqual([
      ['id', 'PK'],
      ['account_id', ''],
      ['email', 'UK'],
    ]);
    expect(contacts.relations).toEqual([
      expect.objectContaining({ direction: 'parent', table: 'accounts', columns: ['account_id'], otherColumns: ['id'], source: 'declared' }),
    ]);
    const accounts = await services.tableDetail(tables[0].id);
    expect(accounts.relations).toEqual([expect.objectContaining({ direction: 'child', table: 'contacts', columns: ['id'], otherColumns: ['account_id'] })]);
    expect(typeof services.lastBackup).toBe('undefined');
    expect(typeof services.deletionSpikes).toBe('undefined');
  });
});
