import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletionEvents, listIncidents, loadAuditContext, selectSources, timeline } from '../../src/audit/index.js';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import type { DemoReport } from '../../src/demo/report.js';
import { runDemo } from '../../src/demo/run-demo.js';
import { runCli } from '../helpers/cli.js';
import { engines, MYSQL_ADMIN_URL, PG_ADMIN_URL, type TestEngine } from '../helpers/servers.js';
import { uniqueName } from '../helpers/temp-db.js';

async function dropDatabase(engine: TestEngine, name: string): Promise<void> {
  if (engine === 'postgres') {
    const c = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await c.end();
    }
  } else {
    const c = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
    try {
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    } finally {
      await c.end();
    }
  }
}

describe.each(engines)('%s demo incident', (engine) => {
  const database = uniqueName('auddemo');
  let report: DemoReport;
  let db: Db;
  const url = () => `${engine === 'postgres' ? PG_ADMIN_URL : MYSQL_ADMIN_URL}/${database}`;

  beforeAll(async () => {
    report = await runDemo({ engine, url: engine === 'postgres' ? `${PG_ADMIN_URL}/postgres` : MYSQL_ADMIN_URL, database, scale: 3000 });
    db = await openDb(parseTargetUrl(url()), { interactive: false });
  });

  afterAll(async () => {
    await db?.close();
    await dropDatabase(engine, database);
  });

  it('finds the incident exactly as the demo reports it', async () => {
    const incident = report.incident!;
    const { ctx, sources } = selectSources(await loadAuditContext(db));
    expect(ctx.knowledge.flavour).toBe('demo');
    expect(sources.map((s) => s.id)).toContain('demo-history');
    const [first] = await listIncidents(db, ctx, sources);
    expect(first.window).toEqual(incident.window);
    expect(first.actors).toEqual([{ id: incident.actor.id, name: incident.actor.userName }]);
    const byTable = Object.fromEntries(first.tables.map((t) => [t.table, [t.hard, t.soft]]));
    expect(byTable).toEqual({
      contacts: [incident.deletedContacts, 0],
      accounts_contacts: [incident.deletedRelationRows, 0],
      notes: [incident.deletedNotes, 0],
      accounts: [0, incident.softDeletedAccounts],
    });
    expect(first.rows).toEqual({
      total: incident.historyRows,
      hard: incident.deletedContacts + incident.deletedRelationRows + incident.deletedNotes,
      soft: incident.softDeletedAccounts,
    });
    expect(first.sources).toEqual(['demo-history']);
    // The timeline of the window counts the same rows.
    const buckets = await timeline(
      db,
      ctx,
      sources,
      { since: incident.window.start, until: new Date(Date.parse(incident.window.end) + 1).toISOString() },
      'minute',
    );
    expect(buckets.reduce((n, b) => n + b.hard + b.soft, 0)).toBe(incident.historyRows);
    // The first page of events is the incident's end, by its actor.
    const page = await deletionEvents(db, ctx, sources, { limit: 5 });
    expect(page.events.every((e) => e.actor === incident.actor.id && e.actorName === incident.actor.userName)).toBe(true);
    expect(page.events[0].time).toBe(incident.window.end);
  });

  it('audit incidents --json says the same', async () => {
    const res = await runCli(['audit', 'incidents', '--url', url(), '--json', '--limit', '1']);
    expect(res.code).toBe(0);
    const doc = JSON.parse(res.stdout) as { incidents: { window: unknown; rows: { total: number }; actors: unknown }[] };
    expect(doc.incidents).toHaveLength(1);
    expect(doc.incidents[0].window).toEqual(report.incident!.window);
    expect(doc.incidents[0].rows.total).toBe(report.incident!.historyRows);
  });
});
