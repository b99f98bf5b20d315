import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, symlink, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Target } from '../../src/connect/target.js';
import { renderCommand, shellQuote } from '../../src/exec/command-line.js';
import { mysqlCredentials, optionValue, postgresCredentials, sweepOrphanedOptionFiles } from '../../src/exec/credentials.js';
import { describeExit } from '../../src/exec/exit-meaning.js';
import { runTool, startTool } from '../../src/exec/run-tool.js';
import { ToolError } from '../../src/exec/tool-error.js';
import { parseToolVersion } from '../../src/exec/tool-version.js';
import { describeError } from '../../src/errors.js';
import { waitFor } from '../helpers/wait.js';

const SECRET = 'pa ss"w#rd\\x';
const pgTarget: Target = { engine: 'postgres', host: 'db', port: 5432, user: 'crm', password: SECRET, database: 'crm', source: 'test' };
const myTarget: Target = { engine: 'mysql', host: 'db', port: 3306, user: 'crm', password: SECRET, database: 'crm', source: 'test' };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'crm-rescue-exec-'));
  // A fake tool: prints its argv, the env it got, and the options file's content, then exits as told.
  await writeFile(
    join(dir, 'fake-tool'),
    `#!/bin/sh
echo "ARGV: $*"
echo "PGPASSWORD=$PGPASSWORD PGUSER=$PGUSER"
for a in "$@"; do case "$a" in --defaults-extra-file=*) f="\${a#--defaults-extra-file=}"; echo "MODE: $(stat -c %a "$f")"; cat "$f"; echo "FILE: $f"; [ -n "$FAKE_RECORD" ] && echo "$f" > "$FAKE_RECORD";; esac; done
echo "some warning" >&2
echo "fatal: it broke" >&2
case "$FAKE_EXIT" in kill9) kill -9 $$;; pipe) kill -PIPE $$;; *) exit \${FAKE_EXIT:-0};; esac
`,
  );
  await chmod(join(dir, 'fake-tool'), 0o755);
  await symlink(join(dir, 'fake-tool'), join(dir, 'pg_dump'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('tool wrapper', () => {
  it('gives PostgreSQL tools the password in PGPASSWORD, never in argv or the shown command, and -w', async () => {
    const r = await runTool({ tool: join(dir, 'pg_dump'), args: ['--format=directory'], target: pgTarget });
    expect(r.stdout).toContain(`PGPASSWORD=${SECRET} PGUSER=crm`);
    expect(r.stdout).toMatch(/ARGV: --no-password --format=directory/);
    expect(r.stdout.split('\n')[0]).not.toContain(SECRET);
    expect(r.command).not.toContain(SECRET);
    expect(r.command).toContain('PGHOST=db');
  });

  it('gives MySQL tools a 0600 options file as the first argument, deleted afterwards', async () => {
    const r = await runTool({ tool: join(dir, 'fake-tool'), args: ['--single-transaction'], target: myTarget });
    expect(r.stdout).toMatch(/ARGV: --defaults-extra-file=\S+ --single-transaction/);
    expect(r.stdout).toContain('MODE: 600');
    expect(r.stdout).toContain(`password=${optionValue(SECRET)}`);
    expect(r.stdout.split('\n')[0]).not.toContain(SECRET);
    expect(r.command).not.toContain(SECRET);
    const file = /FILE: (\S+)/.exec(r.stdout)![1];
    expect(existsSync(file)).toBe(false);
  });

  it('deletes the options file when the tool fails too', async () => {
    const record = join(dir, 'record');
    const err = await runTool({ tool: join(dir, 'fake-tool'), args: [], target: myTarget, env: { FAKE_EXIT: '3', FAKE_RECORD: record } }).catch((e) => e);
    expect(err).toBeInstanceOf(ToolError);
    const file = (await readFile(record, 'utf8')).trim();
    expect(file).toMatch(/client\.cnf$/);
    expect(existsSync(file)).toBe(false);
  });

  it('maps exit codes and signals to meanings and keeps the stderr tail', async () => {
    const e1 = (await runTool({ tool: join(dir, 'fake-tool'), args: [], env: { FAKE_EXIT: '2' }, what: 'the fake dump' }).catch((e) => e)) as ToolError;
    expect(e1.childExitCode).toBe(2);
    expect(e1.message).toBe('the fake dump failed: fake-tool exited with code 2');
    expect(e1.stderrTail).toBe('some warning\nfatal: it broke');
    expect(describeError(e1)).toBe('the fake dump failed: fake-tool exited with code 2: fatal: it broke');
    const e2 = (await runTool({ tool: join(dir, 'fake-tool'), args: [], env: { FAKE_EXIT: 'kill9' } }).catch((e) => e)) as ToolError;
    expect(e2.childExitCode).toBe(137);
    expect(e2.signal).toBe('SIGKILL');
    expect(e2.message).toMatch(/was killed \(SIGKILL, exit 137\)/);
    const e3 = (await runTool({ tool: join(dir, 'fake-tool'), args: [], env: { FAKE_EXIT: 'pipe' } }).catch((e) => e)) as ToolError;
    expect(e3.childExitCode).toBe(141);
    expect(e3.message).toMatch(/broken pipe/);
  });

  it('reports a missing tool as exit 127 with the install hint', async () => {
    const e = (await startTool({ tool: 'crm-rescue-no-such-tool', args: ['-x'], installHint: 'apt install it' }).catch((x) => x)) as ToolError;
    expect(e).toBeInstanceOf(ToolError);
    expect(e.childExitCode).toBe(127);
    expect(e.message).toBe('crm-rescue-no-such-tool not found on PATH');
    expect(e.hint).toBe('apt install it');
  });

  it('fails when its input stream breaks, even if the child would exit 0 on the half it got', async () => {
    const cat = join(dir, 'cat-tool');
    const got = join(dir, 'cat-tool-got-first-part');
    // Says (with a file that appears whole) when it has read the first part, then reads on.
    await writeFile(cat, '#!/bin/sh\nread line\necho "$line" > "$GOT.tmp" && mv "$GOT.tmp" "$GOT"\ncat > /dev/null\nexit 0\n');
    await chmod(cat, 0o755);
    async function* broken() {
      yield Buffer.from('first part\n');
      await waitFor(() => existsSync(got), { what: 'the tool to read the first part of its input' });
      throw new Error('unexpected end of file');
    }
    const e = (await runTool({ tool: cat, args: [], env: { GOT: got }, stdin: Readable.from(broken()), what: 'the restore' }).catch((x) => x)) as ToolError;
    expect(e).toBeInstanceOf(ToolError);
    expect(e.message).toBe('the restore failed: its input could not be read: unexpected end of file');
  });

  it('ignores stdin and stops the child on abort', async () => {
    const script = join(dir, 'sleeper');
    const started = join(dir, 'sleeper-started');
    // Reads its stdin (at once at its end when ignored), says what it got (in a file that appears
    // whole), then runs until stopped.
    await writeFile(script, '#!/bin/sh\nread x\necho "stdin:$x" > "$STARTED.tmp" && mv "$STARTED.tmp" "$STARTED"\nexec sleep infinity\n');
    await chmod(script, 0o755);
    const ac = new AbortController();
    const p = await startTool({ tool: script, args: [], env: { STARTED: started }, signal: ac.signal, stdout: 'collect' });
    await waitFor(() => existsSync(started), { what: 'the child to read its stdin and run' });
    expect(await readFile(started, 'utf8')).toBe('stdin:\n');
    ac.abort();
    const e = (await p.done.catch((x) => x)) as ToolError;
    expect(e.signal).toBe('SIGTERM');
    expect(e.childExitCode).toBe(143);
  });
});

describe('credentials', () => {
  it('keeps the PostgreSQL password out of the public environment', () => {
    const c = postgresCredentials(pgTarget);
    expect(c.env.PGPASSWORD).toBe(SECRET);
    expect(JSON.stringify(c.publicEnv)).not.toContain(SECRET);
  });
  it('writes the MySQL options file 0600 and removes it on cleanup', async () => {
    const c = await mysqlCredentials(myTarget);
    const file = c.leadingArgs[0].replace('--defaults-extra-file=', '');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain('[client]\nuser="crm"\npassword=');
    expect(c.leadingArgsShown.join(' ')).not.toContain(SECRET);
    await c.cleanup();
    expect(existsSync(file)).toBe(false);
  });
  it('removes the options folders a killed crm-rescue left behind, and only those', async () => {
    const root = await mkdtemp(join(tmpdir(), 'crm-rescue-sweep-'));
    try {
      // A pid that surely exited: a child that has been waited for.
      const dead = await new Promise<number>((resolve) => {
        const child = spawn('true');
        child.on('exit', () => resolve(child.pid!));
      });
      const orphan = join(root, `crm-rescue-my-${dead}-aB3xYz`);
      const live = join(root, `crm-rescue-my-${process.pid}-aB3xYz`);
      const other = join(root, `crm-rescue-my-notapid`);
      for (const d of [orphan, live, other]) {
        await mkdir(d);
        await writeFile(join(d, 'client.cnf'), '[client]\npassword="x"\n', { mode: 0o600 });
      }
      expect(await sweepOrphanedOptionFiles(root)).toEqual([`crm-rescue-my-${dead}-aB3xYz`]);
      expect([existsSync(orphan), existsSync(live), existsSync(other)]).toEqual([false, true, true]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
  it('escapes option values', () => {
    expect(optionValue('a"b#c\\d')).toBe('"a\\"b#c\\\\d"');
  });
});

describe('command lines and versions', () => {
  it('quotes for a shell', () => {
    expect(shellQuote('plain-1.2=x')).toBe('plain-1.2=x');
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(renderCommand('pg_dump', ['--table="a b"'], { PGUSER: 'me' })).toBe(`PGUSER=me pg_dump '--table="a b"'`);
  });
  it('describes exits', () => {
    expect(describeExit('mysqldump', 6, null)).toMatch(/table that does not exist/);
    expect(describeExit('pg_dump', null, 'SIGKILL')).toMatch(/killed/);
    expect(describeExit('x', 127, null)).toMatch(/not found/);
  });
  it('parses tool banners', () => {
    expect(parseToolVersion('p', 'pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)\n')).toMatchObject({ version: '15.20', major: 15 });
    expect(parseToolVersion('m', 'mysqldump  Ver 10.19 Distrib 10.11.19-MariaDB, for debian-linux-gnu (x86_64)')).toMatchObject({
      version: '10.11.19',
      flavour: 'mariadb',
    });
    expect(parseToolVersion('m', 'mysqldump  Ver 8.0.36 for Linux on x86_64 (MySQL Community Server - GPL)')).toMatchObject({
      version: '8.0.36',
      flavour: 'mysql',
    });
    expect(parseToolVersion('m', 'mariadb-dump from 11.4.2-MariaDB, client 10.19 for Linux (x86_64)')).toMatchObject({ version: '11.4.2', flavour: 'mariadb' });
  });
});
