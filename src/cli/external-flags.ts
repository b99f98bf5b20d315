import type { Argv } from 'yargs';
import { parseTimeArg } from '../audit/time.js';
import { UsageError } from '../errors.js';
import type { SourceChoice } from '../stage/sources/index.js';
import { nowMs } from '../util/clock.js';

/**
 * The flags of stage, diff and merge that choose inside a row source: a dump made by another
 * tool (`--from-table`, `--from-database`, `--verify`) and the no-backup sources (`--backup
 * binlog`, `--backup dead-tuples`: `--since`, `--until`, `--updates`, `--binlog-file`,
 * `--binlog-start`, `--dead-tuples-via`).
 */
export function withSourceChoiceFlags<T>(y: Argv<T>) {
  return y
    .option('from-table', {
      type: 'string',
      describe: "A dump made by another tool: the dump's table (name or schema.name) for the live table, when their names differ",
    })
    .option('from-database', { type: 'string', describe: "A dump made by another tool: the dump's database to read (pg_dumpall, mysqldump --databases)" })
    .option('verify', {
      type: 'boolean',
      default: false,
      describe: 'A dump made by another tool: recompute its sha256 before use (size and mtime are always checked)',
    })
    .option('since', {
      type: 'string',
      describe: '--backup binlog / dead-tuples: deletions from this time (ISO 8601, UTC unless a zone is given, or relative: 2h)',
    })
    .option('until', { type: 'string', describe: '--backup binlog / dead-tuples: deletions up to this time (same forms)' })
    .option('updates', {
      type: 'boolean',
      default: false,
      describe: '--backup binlog / dead-tuples: rows as they were before an UPDATE too, not only deleted rows',
    })
    .option('binlog-file', {
      type: 'string',
      array: true,
      describe: '--backup binlog: read these local binlog files or folders (files kept by protect) instead of the server',
    })
    .option('binlog-start', { type: 'string', describe: '--backup binlog: start at this event (binlog.000042:1234)' })
    .option('dead-tuples-via', {
      choices: ['pg_dirtyread', 'pageinspect'] as const,
      describe: '--backup dead-tuples: force one way of reading (default: pg_dirtyread when installed)',
    });
}

/** What those flags chose, for openRowSource. */
export function sourceChoiceFromArgs(args: {
  fromTable?: string;
  fromDatabase?: string;
  verify: boolean;
  since?: string;
  until?: string;
  updates: boolean;
  binlogFile?: string[];
  binlogStart?: string;
  deadTuplesVia?: 'pg_dirtyread' | 'pageinspect';
}): SourceChoice {
  const now = nowMs();
  const since = args.since ? parseTimeArg(args.since, '--since', now) : undefined;
  const until = args.until ? parseTimeArg(args.until, '--until', now) : undefined;
  if (since && until && Date.parse(since) >= Date.parse(until)) throw new UsageError('--since must be before --until');
  return {
    fromTable: args.fromTable,
    fromDatabase: args.fromDatabase,
    verify: args.verify,
    binlog: { since, until, updates: args.updates, files: args.binlogFile, startPosition: args.binlogStart },
    deadTuples: { since, until, updates: args.updates, method: args.deadTuplesVia, ...(since || until ? { windowSource: '--since/--until' } : {}) },
  };
}
