import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checksums } from '../helpers/checksum.js';
import { isoSecondsAgo, keysOf, recoveryFlow, written } from '../helpers/crm-e2e.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * A schema crm-rescue knows nothing about: declared foreign keys (ON DELETE CASCADE), a
 * `deleted_at` column, nothing else. The generic flavour restores a soft delete from the mark,
 * and a cascaded hard delete from a backup, localized by crm-rescue's own trigger audit.
 */

const TABLES = ['customers', 'orders', 'order_lines', 'products', 'customer_tags'];

function schema(engine: TestEngine): string {
  const ts = engine === 'postgres' ? 'timestamptz' : 'datetime(6)';
  return `
    CREATE TABLE products (id int PRIMARY KEY, name varchar(100) NOT NULL);
    CREATE TABLE customers (id int PRIMARY KEY, name varchar(100) NOT NULL, email varchar(100) UNIQUE, deleted_at ${ts} NULL);
    CREATE TABLE orders (id int PRIMARY KEY, customer_id int NOT NULL, total decimal(10,2), placed_on date,
      CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE);
    CREATE TABLE order_lines (id int PRIMARY KEY, order_id int NOT NULL, product_id int NOT NULL, qty int NOT NULL,
      CONSTRAINT fk_lines_order FOREIGN KEY (order_id) REFERENCES orders (id) ON DELETE CASCADE,
      CONSTRAINT fk_lines_product FOREIGN KEY (product_id) REFERENCES products (id));
    CREATE TABLE customer_tags (customer_id int NOT NULL, tag varchar(30) NOT NULL, PRIMARY KEY (customer_id, tag),
      CONSTRAINT fk_tags_customer FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE);
    INSERT INTO products VALUES (1, 'Anvil'), (2, 'Rocket skates'), (3, 'Bird seed');
    INSERT INTO customers VALUES (1, 'Wile E. Coyote', 'wile@acme.test', NULL), (2, 'Road Runner', 'beep@acme.test', NULL),
      (3, 'Elmer Fudd', 'elmer@acme.test', NULL), (4, 'Bugs Bunny', NULL, NULL);
    INSERT INTO orders VALUES (10, 1, 120.50, '2026-01-03'), (11, 3, 80.00, '2026-02-11'), (12, 3, 9.99, '2026-03-01'), (13, 4, 1.00, '2026-03-02');
    INSERT INTO order_lines VALUES (100, 10, 1, 2), (101, 10, 2, 1), (102, 11, 2, 4), (103, 12, 3, 1), (104, 12, 1, 1), (105, 13, 3, 9);
    INSERT INTO customer_tags VALUES (1, 'vip'), (3, 'hunter'), (3, 'late-payer'), (4, 'rabbit');`;
}

describe.each(engines)('generic schema with declared foreign keys only (%s), end to end', { timeout: 900_000 }, (engine) => {
  let temp: TempDb;
  const flow = recoveryFlow(`e2e-generic-${engine}`, () => temp);
  let backup: string;

  beforeAll(async () => {
    temp = await createTempDb(engine, 'e2egeneric');
    for (const s of schema(engine)
      .split(';')
      .map((x) => x.trim())
      .filter(Boolean))
      await temp.exec(s);
    backup = await flow.backup();
  }, 900_000);
  afterAll(async () => {
    await temp?.drop();
    flow.cleanup();
  });
  const sums = () => checksums(temp, TABLES);

  it('is not taken for a CRM: generic, with the deleted_at mark and the declared keys', async () => {
    const report = await flow.inspect();
    expect(report.crm.flavour).toBe('generic');
    expect(report.crm.auditSources).toEqual([]);
  });

  it('soft delete (deleted_at set): the soft-delete source finds it, diff classes it, merge clears the mark, undo sets it again', async () => {
    const pre = await sums();
    const since = isoSecondsAgo(5);
    await temp.exec(`UPDATE customers SET deleted_at = ${engine === 'postgres' ? 'now()' : 'NOW(6)'} WHERE id = 2`);
    const post = await sums();

    const incidents = await flow.incidents(['--since', since]);
    expect(incidents).toHaveLength(1);
    expect(incidents[0].tables).toEqual([{ schema: expect.any(String), table: 'customers', hard: 0, soft: 1 }]);
    expect(incidents[0].sources).toEqual(['soft-delete']);
    expect(incidents[0].backupBefore?.id).toBe(backup);

    const { summary, rows } = await flow.diff(backup, 'customers');
    expect(summary.softDelete).toEqual({ column: 'deleted_at', kind: 'timestamp' });
    expect(summary.counts).toMatchObject({ deleted: 0, softDeleted: 1, changed: 0, added: 0 });
    expect(keysOf(rows, 'soft-deleted')).toEqual(['2']);

    const m = await flow.merge(backup, 'customers', ['--soft-deleted', '--with-related']);
    expect(written(m)).toEqual({ customers: 1 });
    expect(await sums()).toEqual(pre);
    const u = await flow.undo(m.mergeId);
    expect(u.state).toBe('undone');
    expect(await sums()).toEqual(post);
  });

  it('hard delete cascading through the foreign keys: the trigger audit localizes it, the backup brings every row back', async () => {
    const installed = await flow.ok(['audit', 'install', '--url', temp.url, '--all', '--json']);
    expect(
      JSON.parse(installed.stdout)
        .tables.map((t: { name: string }) => t.name)
        .sort(),
    ).toEqual([...TABLES].sort());
    const pre = await sums();
    const since = isoSecondsAgo(5);
    await temp.exec('DELETE FROM customers WHERE id = 3');
    const post = await sums();

    const incidents = await flow.incidents(['--since', since, '--source', 'trigger-audit']);
    expect(incidents).toHaveLength(1);
    const byTable = Object.fromEntries(incidents[0].tables.map((t) => [t.table, t.hard]));
    if (engine === 'postgres') {
      expect(byTable).toEqual({ customers: 1, orders: 2, order_lines: 3, customer_tags: 2 });
    } else {
      // MySQL/MariaDB do not fire triggers for rows removed by a foreign key's ON DELETE
      // CASCADE: the trigger audit sees the customer only; the backup diff sees the rest.
      expect(byTable).toEqual({ customers: 1 });
    }

    // Stage the customer with its neighbours, and the orders with theirs (the order lines are
    // two relations away from the customer; the products three, and nothing deleted them).
    const staged = await flow.stage(backup, ['customers', 'orders'], true);
    expect(staged.tables.map((t) => t.name).sort()).toEqual(['customer_tags', 'customers', 'order_lines', 'orders']);
    const diffs = Object.fromEntries(
      await Promise.all(['customers', 'orders', 'order_lines', 'customer_tags'].map(async (t) => [t, (await flow.diff(backup, t)).rows] as const)),
    );
    expect(keysOf(diffs.customers, 'deleted')).toEqual(['3']);
    expect(keysOf(diffs.orders, 'deleted')).toEqual(['11', '12']);
    expect(keysOf(diffs.order_lines, 'deleted')).toEqual(['102', '103', '104']);
    expect(keysOf(diffs.customer_tags, 'deleted')).toEqual(['3|hunter', '3|late-payer']);
    // The earlier soft delete (undone) is still there, and stays a soft delete.
    expect(keysOf(diffs.customers, 'soft-deleted')).toEqual(['2']);

    const m = await flow.merge(backup, 'customers', ['--deleted', '--with-related']);
    expect(written(m)).toEqual({ customers: 1, orders: 2, order_lines: 3, customer_tags: 2 });
    const order = m.tables.filter((t) => t.inserts > 0).map((t) => t.name);
    expect(order.indexOf('customers')).toBeLessThan(order.indexOf('orders'));
    expect(order.indexOf('orders')).toBeLessThan(order.indexOf('order_lines'));
    expect(await sums()).toEqual(pre);
    const u = await flow.undo(m.mergeId);
    expect(u.state).toBe('undone');
    expect(await sums()).toEqual(post);
  });
});
