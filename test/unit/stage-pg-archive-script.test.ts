import { describe, expect, it } from 'vitest';
import { indexScript, keysByTable } from '../../src/stage/pg-archive-script.js';
import { extractCreateTable } from '../../src/stage/pg-stage.js';

/** A pg_restore -s --section=pre-data script, shaped as pg_restore writes it. */
const PRE_DATA = [
  '--',
  '-- PostgreSQL database dump',
  '--',
  '',
  "SET client_encoding = 'LATIN1';",
  '',
  '--',
  '-- Name: f(); Type: FUNCTION; Schema: public; Owner: -',
  '--',
  '',
  'CREATE FUNCTION public.f() RETURNS text',
  '    LANGUAGE sql',
  "    AS $$ SELECT '",
  '--',
  '-- Name: fake; Type: TABLE; Schema: public; Owner: -',
  '--',
  '',
  'CREATE TABLE public.fake (x int);',
  "' $$;",
  '',
  'SET default_table_access_method = heap;',
  '',
  '--',
  '-- Name: parent; Type: TABLE; Schema: public; Owner: -',
  '--',
  '',
  'CREATE TABLE public.parent (',
  '    id integer NOT NULL',
  ');',
  '',
  '',
  '--',
  '-- Name: child; Type: TABLE; Schema: public; Owner: -',
  '--',
  '',
  'CREATE TABLE public.child (',
  '    note text',
  ')',
  'INHERITS (public.parent);',
  '',
  '',
  '--',
  '-- Name: fake; Type: TABLE; Schema: public; Owner: -',
  '--',
  '',
  'CREATE TABLE public.fake (',
  '    y integer',
  ');',
  '',
  '',
  '--',
  '-- PostgreSQL database dump complete',
  '--',
  '',
].join('\n');

describe('pg_restore pre-data script, read once for every table', () => {
  const script = indexScript(PRE_DATA);

  it("finds a table's own entry, with the dump's encoding, and nothing of the next entry", () => {
    const parent = script.tableEntry('public', 'parent');
    expect(parent?.encoding).toBe('LATIN1');
    expect(extractCreateTable(parent!.entry)).toEqual({ qualified: 'public.parent', body: '(\n    id integer NOT NULL\n)' });
    expect(parent!.entry).not.toContain('INHERITS');
    expect(script.tableEntry('public', 'child')?.entry).toMatch(/^\)\nINHERITS \(public\.parent\);$/m);
  });

  it('names a table it cannot pin down as unknown: absent, or named by a look-alike header too', () => {
    expect(script.tableEntry('public', 'nope')).toBeNull();
    expect(script.tableEntry('other', 'parent')).toBeNull();
    expect(script.tableEntry('public', 'fake')).toBeNull();
  });

  it('reads the primary and unique keys of every table of a post-data script in one pass', () => {
    const post = [
      'ALTER TABLE ONLY public.parent',
      '    ADD CONSTRAINT parent_pkey PRIMARY KEY (id);',
      'ALTER TABLE ONLY public.parent',
      '    ADD CONSTRAINT parent_fk FOREIGN KEY (id) REFERENCES public.x(id);',
      'ALTER TABLE ONLY "Odd"."T"',
      '    ADD CONSTRAINT u UNIQUE (a, b);',
      '',
    ].join('\n');
    expect([...keysByTable(post)]).toEqual([
      ['public.parent', [{ kind: 'PRIMARY KEY', columns: 'id' }]],
      ['"Odd"."T"', [{ kind: 'UNIQUE', columns: 'a, b' }]],
    ]);
  });
});
