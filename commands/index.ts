import { auditCommand } from './audit.js';
import { backupCommand } from './backup.js';
import { backupsCommand } from './backups.js';
import { demoCommand } from './demo.js';
import { diffCommand } from './diff.js';
import { erasuresCommand } from './erasures.js';
import { inspectCommand } from './inspect.js';
import { mergeCommand } from './merge.js';
import { mergesCommand } from './merges.js';
import { stageCommand } from './stage.js';
import { stagingCommand } from './staging.js';
import { undoCommand } from './undo.js';

/** Every verb, in the order `--help` lists them. Add a module here to add a verb. */
export const commands = [
  demoCommand,
  inspectCommand,
  backupCommand,
  backupsCommand,
  auditCommand,
  stageCommand,
  stagingCommand,
  diffCommand,
  mergeCommand,
  undoCommand,
  mergesCommand,
  erasuresCommand,
];
