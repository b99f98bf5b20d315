import type { Engine } from '../connect/target.js';

/** How an engine is named to people. */
export interface EngineName {
  /** `PostgreSQL`, `MySQL`: a header's few cells. */
  short: string;
  /** The servers the engine covers: `MySQL/MariaDB`. */
  family: string;
}

const NAMES: Record<Engine, EngineName> = {
  postgres: { short: 'PostgreSQL', family: 'PostgreSQL' },
  mysql: { short: 'MySQL', family: 'MySQL/MariaDB' },
};

/** The names of an engine, for what the console and the CLI show. */
export function engineName(engine: Engine): EngineName {
  return NAMES[engine];
}
