import { describe, expect, it } from 'vitest';
import { mysqlDialect } from '../../src/dialect/mysql/mysql-dialect.js';
import { postgresDialect } from '../../src/dialect/postgres/postgres-dialect.js';

const cases: { name: string; pg: string; my: string }[] = [
  { name: 'plain', pg: '"plain"', my: '`plain`' },
  { name: 'with"quote', pg: '"with""quote"', my: '`with"quote`' },
  { name: 'with`tick', pg: '"with`tick"', my: '`with``tick`' },
  { name: 'has space', pg: '"has space"', my: '`has space`' },
  { name: 'Grüße 中文 😀', pg: '"Grüße 中文 😀"', my: '`Grüße 中文 😀`' },
  { name: 'select', pg: '"select"', my: '`select`' },
  { name: 'MixedCase', pg: '"MixedCase"', my: '`MixedCase`' },
  { name: 'x"; DROP TABLE t; --', pg: '"x""; DROP TABLE t; --"', my: '`x"; DROP TABLE t; --`' },
];

describe.each([['postgres', postgresDialect, 'pg'] as const, ['mysql', mysqlDialect, 'my'] as const])('%s quoting', (_engine, dialect, field) => {
  it.each(cases)('quotes $name', (c) => {
    expect(dialect.quoteIdent(c.name)).toBe(c[field]);
  });
  it('quotes schema-qualified names', () => {
    expect(dialect.quoteQualified('s"`', 't')).toBe(field === 'pg' ? '"s""`"."t"' : '`s"```.`t`');
  });
  it('refuses NUL in identifiers', () => {
    expect(() => dialect.quoteIdent('a\0b')).toThrow(/NUL/);
  });
  it('quotes string literals', () => {
    expect(dialect.quoteLiteral("it's \\ ok")).toBe(field === 'pg' ? "'it''s \\ ok'" : "'it''s \\\\ ok'");
  });
});
