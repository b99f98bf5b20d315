import { describe, expect, it } from 'vitest';
import { joinStdinValues } from '../../src/cli/index.js';
import { parseJsonExact } from '../../src/util/json-exact.js';
import { parseQuotedName, splitTableList } from '../../src/util/table-ref.js';

describe('parseJsonExact: numbers a JS number cannot hold exactly stay text', () => {
  it('keeps integers above 2^53 (and below -2^53) as their digits', () => {
    expect(parseJsonExact('{"id": 9007199254740993, "max": 9223372036854775807, "min": -9223372036854775808}')).toEqual({
      id: '9007199254740993',
      max: '9223372036854775807',
      min: '-9223372036854775808',
    });
  });
  it('parses what fits as JSON.parse does, and leaves digits inside strings alone', () => {
    expect(parseJsonExact('{"a": 9007199254740991, "b": -12, "c": 0.5, "d": "9007199254740993 \\" 1e400", "e": [true, null]}')).toEqual({
      a: 9007199254740991,
      b: -12,
      c: 0.5,
      d: '9007199254740993 " 1e400',
      e: [true, null],
    });
  });
  it('keeps numbers whose text a JS number would change (scale, exponent, long fractions)', () => {
    expect(parseJsonExact('[1.50, 1e400, 0.10000000000000000001]')).toEqual(['1.50', '1e400', '0.10000000000000000001']);
  });
});

describe('parseQuotedName: table names as SQL writes them', () => {
  it('reads PostgreSQL "…" with "" inside, qualified or not', () => {
    expect(parseQuotedName('"Sales ""EU"""."Contacts ""VIP"""')).toEqual({ schema: 'Sales "EU"', name: 'Contacts "VIP"' });
    expect(parseQuotedName('"Contacts.VIP"')).toEqual({ name: 'Contacts.VIP' });
    expect(parseQuotedName('public."Contacts"')).toEqual({ schema: 'public', name: 'Contacts' });
  });
  it('reads MySQL `…` with `` inside', () => {
    expect(parseQuotedName('`crm`.`Contacts ``VIP```')).toEqual({ schema: 'crm', name: 'Contacts `VIP`' });
  });
  it('is null for raw names and malformed text', () => {
    for (const t of ['contacts', 'public.contacts', '"unterminated', '"a"."b"."c"', '"a" x', '"a".', '""']) expect(parseQuotedName(t)).toBeNull();
  });
});

describe('splitTableList: commas inside quoted names do not split', () => {
  it('splits the rest', () => {
    expect(splitTableList('a, "b,c" ,`d,``e`,f')).toEqual(['a', '"b,c"', '`d,``e`', 'f']);
  });
});

describe('joinStdinValues: a lone - is the value of --keys-from', () => {
  it('joins it, and only for --keys-from', () => {
    expect(joinStdinValues(['merge', '--keys-from', '-', '--apply'])).toEqual(['merge', '--keys-from=-', '--apply']);
    expect(joinStdinValues(['merge', '--apply', '-'])).toEqual(['merge', '--apply', '-']);
    expect(joinStdinValues(['merge', '--', '--keys-from', '-'])).toEqual(['merge', '--', '--keys-from', '-']);
  });
});
