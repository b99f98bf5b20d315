import type { Argv } from 'yargs';
import type { ExternalChoice } from '../stage/sources/external-dump.js';

/** The flags of stage, diff and merge that choose inside a dump made by another tool. */
export function withExternalDumpFlags<T>(y: Argv<T>) {
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
    });
}

/** What those flags chose, for openRowSource. */
export function externalChoiceFromArgs(args: { fromTable?: string; fromDatabase?: string; verify: boolean }): ExternalChoice {
  return { fromTable: args.fromTable, fromDatabase: args.fromDatabase, verify: args.verify };
}
