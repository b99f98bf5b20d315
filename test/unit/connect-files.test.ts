import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIni } from '../../src/connect/ini.js';
import { parseMyCnf } from '../../src/connect/mycnf.js';
import { lookupPgpass, parsePgpass } from '../../src/connect/pgpass.js';
import { readProfiles, targetFromProfile } from '../../src/connect/profiles.js';
import { completeTarget, resolveTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';

describe('pgpass', () => {
  const text = ['# comment', 'db1.example.com:5432:crm:alice:first', '*:*:crm:bob:pa\\:ss\\\\word', 'localhost:5432:*:carol:sock', '*:*:*:*:fallback'].join(
    '\n',
  );
  const entries = parsePgpass(text);

  it('parses escaped colons and backslashes', () => {
    expect(entries[1].password).toBe('pa:ss\\word');
  });
  it('returns the first matching line, with * wildcards', () => {
    expect(lookupPgpass(entries, { host: 'db1.example.com', port: 5432, database: 'crm', user: 'alice' })).toBe('first');
    expect(lookupPgpass(entries, { host: 'other', port: 1, database: 'crm', user: 'bob' })).toBe('pa:ss\\word');
    expect(lookupPgpass(entries, { host: 'db1.example.com', port: 5433, database: 'crm', user: 'alice' })).toBe('fallback');
  });
  it('matches a socket connection as localhost', () => {
    expect(lookupPgpass(entries, { host: '/var/run/postgresql', port: 5432, database: 'x', user: 'carol' })).toBe('sock');
  });
});

describe('ini and my.cnf', () => {
  it('parses sections, quotes, comments and bare keys', () => {
    const ini = parseIni('[client]\nuser = "crm user"\npassword=\'p#ss\'\n# c\nskip_ssl\nhost=db # inline\n');
    const client = ini.get('client')!;
    expect(client.get('user')).toBe('crm user');
    expect(client.get('password')).toBe('p#ss');
    expect(client.get('skip-ssl')).toBe('');
    expect(client.get('host')).toBe('db');
  });
  it('reads [client] then [mysql] from ~/.my.cnf', () => {
    const c = parseMyCnf('[client]\nuser=a\npassword=x\nport=3307\n[mysql]\nuser=b\n[mysqldump]\nuser=c\n');
    expect(c).toMatchObject({ user: 'b', password: 'x', port: 3307 });
  });
});

describe('resolveTarget', () => {
  const home = mkdtempSync(join(tmpdir(), 'crm-rescue-home-'));
  const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'cfg') } as NodeJS.ProcessEnv;

  it('prefers --url over everything, then --profile, then CRM_RESCUE_URL', () => {
    const e = { ...env, CRM_RESCUE_URL: 'mysql://envuser@envhost/envdb' };
    expect(resolveTarget({ url: 'postgres://u@h/db' }, e).database).toBe('db');
    expect(resolveTarget({}, e)).toMatchObject({ host: 'envhost', user: 'envuser', source: 'CRM_RESCUE_URL' });
  });

  it('fails with a usage error when no target is given', () => {
    expect(() => resolveTarget({}, env)).toThrow(/no target database given/);
  });

  it('reads profiles from $XDG_CONFIG_HOME/crm-rescue/profiles.ini', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(home, 'cfg', 'crm-rescue'), { recursive: true });
    writeFileSync(
      join(home, 'cfg', 'crm-rescue', 'profiles.ini'),
      '[prod]\nurl = postgres://crm@db1/suite\npassword = hunter2\n\n[stage]\nurl = mysql://root@db2/espo\n',
    );
    expect(readProfiles(env).map((p) => p.name)).toEqual(['prod', 'stage']);
    expect(targetFromProfile('prod', env)).toMatchObject({ host: 'db1', user: 'crm', password: 'hunter2', database: 'suite', source: 'profile prod' });
    expect(() => targetFromProfile('nope', env)).toThrow(/profile "nope" not found.*Known profiles: prod, stage|profile "nope" not found/);
    try {
      targetFromProfile('nope', env);
    } catch (e) {
      expect((e as { hint?: string }).hint).toBe('Known profiles: prod, stage');
    }
  });

  it('fills PostgreSQL gaps from PG* variables and ~/.pgpass', () => {
    writeFileSync(join(home, '.pgpass'), 'pghost.local:5439:crm:dba:from-pgpass\n', { mode: 0o600 });
    const t = completeTarget(parseTargetUrl('postgres:///crm'), { ...env, PGHOST: 'pghost.local', PGPORT: '5439', PGUSER: 'dba' });
    expect(t).toMatchObject({ host: 'pghost.local', port: 5439, user: 'dba', password: 'from-pgpass' });
    const t2 = completeTarget(parseTargetUrl('postgres://dba@pghost.local:5439/crm'), { ...env, PGPASSWORD: 'from-env' });
    expect(t2.password).toBe('from-env');
  });

  it('fills MySQL gaps from ~/.my.cnf and requires a database', () => {
    writeFileSync(join(home, '.my.cnf'), '[client]\nuser=cnfuser\npassword=cnfpass\nhost=cnfhost\nport=3310\n');
    expect(completeTarget(parseTargetUrl('mysql:///crm'), env)).toMatchObject({
      user: 'cnfuser',
      password: 'cnfpass',
      host: 'cnfhost',
      port: 3310,
      database: 'crm',
    });
    expect(() => completeTarget(parseTargetUrl('mysql://u@h'), env)).toThrow(/no database named/);
  });
});
