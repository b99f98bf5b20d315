import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../helpers/cli.js';
import { MYSQL_ADMIN_URL } from '../helpers/servers.js';
import { createTempDb, uniqueName, type TempDb } from '../helpers/temp-db.js';

/** A clean HOME so the developer's own profiles and ~/.my.cnf do not leak into the cases. */
const home = mkdtempSync(join(tmpdir(), 'crm-rescue-e2e-'));
const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'cfg'), XDG_DATA_HOME: join(home, 'data'), CRM_RESCUE_URL: '', PGPASSWORD: '', MYSQL_PWD: '' };

/** One line on stderr, the given exit code, no stack trace. */
function expectOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^crm-rescue: /);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('bad input through the built binary', () => {
  it('unreachable server: exit 1, says connection refused', async () => {
    expectOneLineError(
      await runCli(['inspect', '--url', 'postgres://root@127.0.0.1:1/test'], { env }),
      1,
      /cannot reach PostgreSQL at 127\.0\.0\.1:1: connection refused\. Is the server running/,
    );
    expectOneLineError(await runCli(['inspect', '--url', 'mysql://root@127.0.0.1:1/test'], { env }), 1, /cannot reach MySQL\/MariaDB at 127\.0\.0\.1:1/);
  });

  it('unknown host', async () => {
    expectOneLineError(
      await runCli(['inspect', '--url', 'postgres://root@no-such-host.invalid/test'], { env }),
      1,
      /cannot resolve host "no-such-host\.invalid"/,
    );
  });

  it('database that does not exist', async () => {
    expectOneLineError(await runCli(['inspect', '--url', 'postgres://root@127.0.0.1/crt_missing_db'], { env }), 1, /database "crt_missing_db" does not exist/);
    expectOneLineError(await runCli(['inspect', '--url', 'mysql://root@127.0.0.1/crt_missing_db'], { env }), 1, /database "crt_missing_db" does not exist/);
  });

  it('user that does not exist', async () => {
    expectOneLineError(await runCli(['inspect', '--url', 'postgres://crt_nobody@127.0.0.1/test'], { env }), 1, /refused user "crt_nobody"/);
  });

  it('unsupported scheme is a usage error (exit 2)', async () => {
    expectOneLineError(await runCli(['inspect', '--url', 'oracle://scott:tiger@h/db'], { env }), 2, /unsupported scheme "oracle:\/\/"/);
  });

  it('profile that does not exist', async () => {
    expectOneLineError(await runCli(['inspect', '--profile', 'prod'], { env }), 1, /profile "prod" not found/);
  });

  it('no target at all is a usage error', async () => {
    expectOneLineError(await runCli(['inspect'], { env }), 2, /no target database given/);
  });

  it('unknown verb and unknown flag are usage errors', async () => {
    expectOneLineError(await runCli(['restore-everything'], { env }), 2, /Unknown argument: restore-everything/);
    expectOneLineError(await runCli(['inspect', '--frobnicate'], { env }), 2, /Unknown argument/);
  });

  it('no verb without a terminal points to the verbs', async () => {
    expectOneLineError(await runCli([], { env }), 1, /needs a terminal.*crm-rescue --help/);
  });

  it('--json puts the error on stdout as JSON too', async () => {
    const r = await runCli(['inspect', '--json', '--url', 'postgres://root@127.0.0.1:1/test'], { env });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'user', exitCode: 1, error: expect.stringMatching(/connection refused/) });
  });

  it('--debug adds the stack trace', async () => {
    const r = await runCli(['inspect', '--debug', '--url', 'postgres://root@127.0.0.1:1/test'], { env });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\n\s+at /);
  });

  describe('wrong password (MariaDB user with a password)', () => {
    const user = uniqueName('pw');
    const password = 'Right-Pass-9f3a';
    let temp: TempDb;
    beforeAll(async () => {
      temp = await createTempDb('mysql', 'badpw');
      const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
      await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
      await admin.query(`CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}'`);
      await admin.query(`GRANT SELECT ON \`${temp.name}\`.* TO '${user}'@'%'`);
      await admin.query(`GRANT SELECT ON \`${temp.name}\`.* TO '${user}'@'localhost'`);
      await admin.end();
    });
    afterAll(async () => {
      const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
      await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
      await admin.query(`DROP USER IF EXISTS '${user}'@'localhost'`);
      await admin.end();
      await temp?.drop();
    });

    it('says access denied, never prints the password', async () => {
      const wrong = 'Wrong-Pass-77c1';
      const r = await runCli(['inspect', '--url', `mysql://${user}:${wrong}@127.0.0.1/${temp.name}`], { env });
      expectOneLineError(r, 1, new RegExp(`access denied for user "${user}"`));
      expect(r.stderr + r.stdout).not.toContain(wrong);
      const d = await runCli(['inspect', '--debug', '--url', `mysql://${user}:${wrong}@127.0.0.1/${temp.name}`], { env });
      expect(d.stderr + d.stdout).not.toContain(wrong);
    });

    it('asks for no password when none is set and stdin is not a TTY', async () => {
      const r = await runCli(['inspect', '--url', `mysql://${user}@127.0.0.1/${temp.name}`], { env });
      expectOneLineError(r, 1, /access denied|asks for a password/);
    });

    it('the right password from MYSQL_PWD works and shows the privileges it lacks', async () => {
      const r = await runCli(['inspect', '--json', '--url', `mysql://${user}@127.0.0.1/${temp.name}`], { env: { ...env, MYSQL_PWD: password } });
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout);
      expect(report.target).not.toContain(password);
      expect(report.privileges.actions.merge.allowed).toBe(false);
      expect(report.privileges.actions.stage.allowed).toBe(false);
    });
  });
});
