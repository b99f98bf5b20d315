import type { CommandModule } from 'yargs';
import type { GlobalArgs } from './global-args.js';

/**
 * A verb or sub-verb. Its arguments' type `U` is inferred from what its builder declares, so
 * the handler gets yargs' own typing of them (kebab- and camel-case keys) and no cast is
 * needed; a module without a builder gets the global flags only.
 */
export function defineCommand<U = GlobalArgs>(module: CommandModule<GlobalArgs, U>): CommandModule<GlobalArgs, U> {
  return module;
}
