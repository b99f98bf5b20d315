import { describe, expect, it } from 'vitest';
import { scansWholeTable, indexDdl } from '../../src/audit/explain.js';
import { formatEventHeader, formatEventLine, formatIncidents } from '../../src/audit/format.js';
import { incidentId } from '../../src/audit/incidents.js';
import type { DeletionEvent, Incident } from '../../src/audit/model.js';
import { auditSqlFor } from '../../src/dialect/audit-sql.js';
import { mysqlJsonPath, mysqlJsonValue } from '../../src/dialect/mysql/mysql-json.js';
import { decodeCursor, encodeCursor, pageQuery, streamExcluded, type EventStream } from '../../src/audit/stream.js';
import { mysqlTriggerName } from '../../src/dialect/mysql/mysql-trigger-audit.js';
import { resolveTables } from '../../src/audit/trigger/model.js';
import { renderSql, splitStatements } from '../../src/audit/trigger/sql-template.js';
import { SOURCE_IDS } from '../../src/audit/constants.js';
import { ALL_SOURCES } from '../../src/audit/sources/index.js';
import type { TableInfo } from '../../src/dialect/model.js';

const stream = (engine: 'postgres' | 'mysql'): EventStream => ({
  id: 'demo-history/history',
  source: 'demo-history',
  from: 'h e',
  where: [`e.action = 'delete'`],
  time: { expr: 'e.changed_at', dataType: engine === 'postgres' ? 'timestamp with time zone' : 'datetime(6)' },
  order: ['e.id'],
  table: { schemaExpr: `'public'`, nameExpr: 'e.table_name' },
  rowKey: { columns: ['id'], exprs: ['e.record_id'] },
  actor: 'e.user_id',
  actorName: null,
  kind: 'hard',
  image: null,
  details: null,
  index: null,
});

describe('event stream SQL', () => {
  it('builds a keyset page whose parameters follow the text order (MySQL placeholders are positional)', () => {
    const pos = { time: '2026-05-01T16:42:07.000000Z', order: [42] };
    const my = pageQuery(auditSqlFor('mysql'), stream('mysql'), { user: 'jdoe' }, { position: pos, rank: 0 }, 50);
    // One range of the (time, id) index: not `time <= t AND (time < t OR id < i)`, which reads
    // every event of time t again for each page (a bulk delete stamps thousands with one time).
    const t = '2026-05-01 16:42:07.000000';
    expect(my.sql).toContain('(e.changed_at <= ? AND (e.changed_at < ? OR (e.changed_at = ? AND e.id < ?)))');
    expect(my.sql).toMatch(/ORDER BY e\.changed_at DESC, e\.id DESC LIMIT 50$/);
    expect(my.params).toEqual(['jdoe', t, t, t, 42]);
    const pgSame = pageQuery(auditSqlFor('postgres'), stream('postgres'), {}, { position: pos, rank: 0 }, 10);
    expect(pgSame.sql).toContain('(e.changed_at, e.id) < (CAST($1 AS timestamptz), $2)');
    expect(pgSame.params).toEqual(['2026-05-01T16:42:07.000000Z', 42]);
    const pg = pageQuery(auditSqlFor('postgres'), stream('postgres'), {}, { position: pos, rank: 1 }, 10);
    expect(pg.sql).toContain('e.changed_at <= CAST($1 AS timestamptz)');
    expect(pg.params).toEqual(['2026-05-01T16:42:07.000000Z']);
    const before = pageQuery(auditSqlFor('postgres'), stream('postgres'), { since: '2026-05-01T00:00:00Z' }, { position: pos, rank: -1 }, 10);
    expect(before.sql).toContain('e.changed_at >= CAST($1 AS timestamptz) AND e.changed_at < CAST($2 AS timestamptz)');
  });

  it('round-trips cursors and rejects foreign ones', () => {
    const c = encodeCursor('soft-delete/public.accounts', { time: '2026-05-01T16:42:07.123456Z', order: ['a', 2] });
    expect(decodeCursor(c)).toEqual({ stream: 'soft-delete/public.accounts', position: { time: '2026-05-01T16:42:07.123456Z', order: ['a', 2] } });
    expect(decodeCursor('not-a-cursor')).toBeNull();
  });

  it('skips streams of another table without a query', () => {
    const s = { ...stream('postgres'), table: { schemaExpr: `'public'`, nameExpr: `'accounts'`, constant: { schema: 'public', name: 'accounts' } } };
    expect(streamExcluded(s, { table: 'contacts' })).toBe(true);
    expect(streamExcluded(s, { table: 'public.accounts' })).toBe(false);
    expect(streamExcluded(stream('postgres'), { table: 'contacts' })).toBe(false);
  });

  it('quotes JSON paths and values for MySQL', () => {
    expect(mysqlJsonPath('we"ird\\name')).toBe('$."we\\"ird\\\\name"');
    expect(mysqlJsonValue('OLD.`b`', 'varbinary(10)')).toBe('TO_BASE64(OLD.`b`)');
    expect(mysqlJsonValue('OLD.`t`', 'timestamp(6)')).toBe("CONVERT_TZ(OLD.`t`, @@session.time_zone, '+00:00')");
    expect(mysqlJsonValue('OLD.`n`', 'decimal(10,2)')).toBe('OLD.`n`');
  });
});

describe('index advice', () => {
  const table = { schema: 'public', name: 'history' };
  it('reads a full scan from PostgreSQL and MySQL plans', () => {
    const pgSeq = [
      {
        'QUERY PLAN': JSON.stringify([
          { Plan: { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Sort', Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'history', Alias: 'e' }] }] } },
        ]),
      },
    ];
    const pgIdx = [
      {
        'QUERY PLAN': JSON.stringify([
          { Plan: { 'Node Type': 'Limit', Plans: [{ 'Node Type': 'Index Scan Backward', 'Relation Name': 'history', Alias: 'e' }] } },
        ]),
      },
    ];
    expect(scansWholeTable(auditSqlFor('postgres'), pgSeq, table)).toBe(true);
    expect(scansWholeTable(auditSqlFor('postgres'), pgIdx, table)).toBe(false);
    const myAll = [
      {
        EXPLAIN: JSON.stringify({
          query_block: { select_id: 1, filesort: { temporary_table: { table: { table_name: 'e', access_type: 'ALL', rows: 300000 } } } },
        }),
      },
    ];
    const myRange = [{ EXPLAIN: JSON.stringify({ query_block: { select_id: 1, table: { table_name: 'e', access_type: 'range', key: 'x' } } }) }];
    expect(scansWholeTable(auditSqlFor('mysql'), myAll, table)).toBe(true);
    expect(scansWholeTable(auditSqlFor('mysql'), myRange, table)).toBe(false);
  });

  it('prints online DDL', () => {
    const s = {
      ...stream('postgres'),
      index: { table: { schema: 'public', name: 'history' }, columns: ['changed_at', 'id'], where: `action = 'delete'`, rowEstimate: 1e6 },
    };
    expect(indexDdl(auditSqlFor('postgres'), s)).toMatch(
      /^CREATE INDEX CONCURRENTLY IF NOT EXISTS "crm_rescue_history_[0-9a-f]{8}" ON "public"."history" \("changed_at", "id"\) WHERE action = 'delete';$/,
    );
    const m = { ...stream('mysql'), index: { table: { schema: 'crm', name: 'history' }, columns: ['action', 'changed_at', 'id'], rowEstimate: 1e6 } };
    expect(indexDdl(auditSqlFor('mysql'), m)).toMatch(
      /^ALTER TABLE `crm`.`history` ADD INDEX `crm_rescue_history_[0-9a-f]{8}` \(`action`, `changed_at`, `id`\), ALGORITHM=INPLACE, LOCK=NONE;$/,
    );
  });
});

describe('audit sources', () => {
  it('lists the same ids for --help as the registry, in order', () => {
    expect(ALL_SOURCES.map((s) => s.id)).toEqual([...SOURCE_IDS]);
  });
});

describe('trigger audit helpers', () => {
  it('names MySQL triggers within 64 characters, stably', () => {
    const name = mysqlTriggerName({ schema: 'crm', name: 'a very long table name '.repeat(3) }, 'DELETE');
    expect(name).toMatch(/^crm_rescue_audit_[0-9a-f]{12}_d$/);
    expect(name.length).toBeLessThanOrEqual(64);
    expect(mysqlTriggerName({ schema: 'crm', name: 'a very long table name '.repeat(3) }, 'DELETE')).toBe(name);
    expect(mysqlTriggerName({ schema: 'crm', name: 'x' }, 'UPDATE')).toMatch(/_u$/);
  });

  it('resolves --tables names against introspection', () => {
    const t = (schema: string, name: string) => ({ schema, name }) as TableInfo;
    const tables = [t('public', 'accounts'), t('public', 'Odd.Name'), t('sales', 'accounts'), t('public', 'contacts')];
    expect(resolveTables(tables, ['contacts']).map((x) => x.name)).toEqual(['contacts']);
    expect(resolveTables(tables, ['sales.accounts'])[0].schema).toBe('sales');
    expect(resolveTables(tables, ['Odd.Name'])[0].name).toBe('Odd.Name');
    expect(() => resolveTables(tables, ['accounts'])).toThrow(/ambiguous: public\.accounts, sales\.accounts/);
    expect(() => resolveTables(tables, ['nope'])).toThrow(/table nope not found/);
  });

  it('renders and splits SQL files', () => {
    expect(renderSql('CREATE SCHEMA {{ns}};', { ns: '"crm_rescue"' })).toBe('CREATE SCHEMA "crm_rescue";');
    expect(() => renderSql('{{missing}}', {})).toThrow(/missing/);
    expect(splitStatements('-- comment\nCREATE DATABASE x;\nCREATE TABLE y (\n  a int\n);\n')).toEqual(['CREATE DATABASE x', 'CREATE TABLE y (\n  a int\n)']);
  });
});

describe('human output', () => {
  const event: DeletionEvent = {
    time: '2026-05-01T16:42:07.123Z',
    schema: 'public',
    table: 'a_table_with_a_rather_long_name',
    key: { id: '3f2c9a1e-1111-2222-3333-444455556666' },
    actor: '02790378-1a63-40ca-9b91-45ec5ba4622e',
    actorName: 'mallory.b.with.a.long.name',
    kind: 'hard',
    source: 'espocrm-action-history',
    image: null,
    details: null,
    cursor: 'c',
  };

  it('fits 80 columns', () => {
    for (const source of [true, false]) {
      expect([...formatEventHeader(80, source)].length).toBeLessThanOrEqual(80);
      const line = formatEventLine(event, 80, source);
      expect([...line].length).toBeLessThanOrEqual(80);
      expect(line.startsWith('2026-05-01 16:42:07 hard a_table')).toBe(true);
    }
    const incident: Incident = {
      id: incidentId('u1', '2026-05-01T16:40:00Z'),
      window: { start: '2026-05-01T16:40:00.000Z', end: '2026-05-01T16:42:07.123Z' },
      actors: [{ id: '02790378-1a63-40ca-9b91-45ec5ba4622e', name: 'mallory.b' }],
      tables: [{ schema: 'public', table: 'a_table_with_a_rather_long_name_that_goes_on_and_on', hard: 3012, soft: 0 }],
      rows: { total: 3012, hard: 3012, soft: 0 },
      sources: ['demo-history'],
      backupBefore: { id: '20260501T120000Z-postgres-crm-ab12', time: '2026-05-01T12:00:00.000Z' },
    };
    const text = formatIncidents([incident], 80);
    expect(text.split('\n').every((l) => [...l].length <= 80)).toBe(true);
    expect(text).toContain('3,012 hard');
    expect(text).toContain('backup before it: 20260501T120000Z-postgres-crm-ab12');
  });

  it('gives incidents stable ids from actor and start', () => {
    expect(incidentId('u1', '2026-05-01T16:40:00Z')).toBe(incidentId('u1', '2026-05-01T16:40:00.000000Z'));
    expect(incidentId('u1', '2026-05-01T16:40:00Z')).not.toBe(incidentId('u2', '2026-05-01T16:40:00Z'));
    expect(incidentId(null, '2026-05-01T16:40:00Z')).toMatch(/^inc_[0-9a-f]{12}$/);
  });
});
