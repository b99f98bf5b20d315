import { describe, expect, it } from 'vitest';
import { parseTargetUrl, redactUrlString, targetToUrl } from '../../src/connect/target.js';
import { UsageError } from '../../src/errors.js';

describe('parseTargetUrl', () => {
  it('reads every part of a PostgreSQL URL', () => {
    const t = parseTargetUrl('postgres://crm%40corp:p%3Ass%2Fw@db.example.com:6543/suite%20crm?sslmode=verify-full&sslrootcert=/etc/ca.pem');
    expect(t).toMatchObject({
      engine: 'postgres',
      host: 'db.example.com',
      port: 6543,
      user: 'crm@corp',
      password: 'p:ss/w',
      database: 'suite crm',
      tls: { mode: 'verify-full', ca: '/etc/ca.pem' },
    });
  });

  it('accepts postgresql://, mysql:// and mariadb://', () => {
    expect(parseTargetUrl('postgresql://h/db').engine).toBe('postgres');
    expect(parseTargetUrl('mysql://h/db').engine).toBe('mysql');
    expect(parseTargetUrl('MariaDB://h/db').engine).toBe('mysql');
  });

  it('takes a Unix socket from ?socket= or ?host=/path', () => {
    expect(parseTargetUrl('mysql://root@/crm?socket=/run/mysqld/mysqld.sock')).toMatchObject({ socket: '/run/mysqld/mysqld.sock', database: 'crm' });
    const pg = parseTargetUrl('postgres://me@/crm?host=/var/run/postgresql');
    expect(pg.socket).toBe('/var/run/postgresql');
    expect(pg.host).toBeUndefined();
  });

  it('reads IPv6 hosts', () => {
    expect(parseTargetUrl('postgres://u@[::1]:5432/db').host).toBe('::1');
  });

  it('rejects unsupported schemes, bad sslmode and unknown options as usage errors', () => {
    expect(() => parseTargetUrl('oracle://h/db')).toThrow(/unsupported scheme "oracle:\/\/"/);
    expect(() => parseTargetUrl('oracle://h/db')).toThrow(UsageError);
    expect(() => parseTargetUrl('just-a-name')).toThrow(/not a connection URL/);
    expect(() => parseTargetUrl('postgres://h/db?sslmode=sometimes')).toThrow(/sslmode "sometimes"/);
    expect(() => parseTargetUrl('postgres://h/db?foo=1')).toThrow(/unknown URL option "foo"/);
    expect(() => parseTargetUrl('postgres://h/a/b')).toThrow(/contains "\/"/);
  });

  it('never puts the password in error messages', () => {
    try {
      parseTargetUrl('oracle://u:topsecret@h/db');
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('topsecret');
    }
    try {
      parseTargetUrl('nonsense:topsecret@h');
    } catch (e) {
      expect(String((e as Error).message)).not.toContain('topsecret');
    }
  });
});

describe('targetToUrl', () => {
  it('prints everything but the password, and round-trips', () => {
    const t = parseTargetUrl('mysql://crm:s3cret@10.0.0.5:3307/my%20db?sslmode=require');
    const url = targetToUrl(t);
    expect(url).toBe('mysql://crm@10.0.0.5:3307/my%20db?sslmode=require');
    expect(url).not.toContain('s3cret');
    expect(parseTargetUrl(url)).toMatchObject({ host: '10.0.0.5', port: 3307, user: 'crm', database: 'my db' });
  });
});

describe('redactUrlString', () => {
  it('masks passwords inside free text', () => {
    expect(redactUrlString('failed: postgres://a:b@c/d and mysql://x:y%40z@h/db')).toBe('failed: postgres://a:***@c/d and mysql://x:***@h/db');
  });
});

describe('parseTargetUrl edge cases', () => {
  it('accepts URLs without a host (socket or defaults)', () => {
    expect(parseTargetUrl('postgres:///crm')).toMatchObject({ engine: 'postgres', database: 'crm' });
    expect(parseTargetUrl('postgres:///crm').host).toBeUndefined();
  });
  it('keeps unencoded / and @ inside the password', () => {
    expect(parseTargetUrl('postgres://u:a/b@c@h:1/db')).toMatchObject({ user: 'u', password: 'a/b@c', host: 'h', port: 1, database: 'db' });
  });
  it('rejects out-of-range ports and bad percent-encoding', () => {
    expect(() => parseTargetUrl('mysql://h:99999/db')).toThrow(/port 99999 is out of range/);
    expect(() => parseTargetUrl('mysql://u:%zz@h/db')).toThrow(/password is not valid percent-encoding/);
  });
});
