import type { Argv } from 'yargs';
import type { GlobalArgs } from '../src/cli/global-args.js';
import { auditCommand } from './audit.js';
import { backupCommand } from './backup.js';
import { backupsCommand } from './backups.js';
import { demoCommand } from './demo.js';
import { diffCommand } from './diff.js';
import { erasuresCommand } from './erasures.js';
import { inspectCommand } from './inspect.js';
import { mergeCommand } from './merge.js';
import { mergesCommand } from './merges.js';
import { protectCommand } from './protect.js';
import { stageCommand } from './stage.js';
import { stagingCommand } from './staging.js';
import { undoCommand } from './undo.js';

/** Registers every verb, in the order `--help` lists them. Add a module here to add a verb. */
export function withCommands(y: Argv<GlobalArgs>): Argv<GlobalArgs> {
  return y
    .command(demoCommand)
    .command(inspectCommand)
    .command(backupCommand)
    .command(backupsCommand)
    .command(protectCommand)
    .command(auditCommand)
    .command(stageCommand)
    .command(stagingCommand)
    .command(diffCommand)
    .command(mergeCommand)
    .command(undoCommand)
    .command(mergesCommand)
    .command(erasuresCommand);
}
