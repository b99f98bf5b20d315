import type { CommandModule } from 'yargs';
import { inspectCommand } from './inspect.js';

/** Every verb, in the order `--help` lists them. Add a module here to add a verb. */
export const commands: CommandModule<any, any>[] = [inspectCommand];
