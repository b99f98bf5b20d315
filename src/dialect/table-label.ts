import type { Engine } from '../connect/target.js';

/**
 * A table as people read it: the bare name, or `schema.name` for a PostgreSQL schema other than
 * public, or whenever the list it stands in spans several schemas (a MySQL "schema" is the
 * database itself: saying it again helps no one).
 */
export function tableLabel(engine: Engine, schema: string, name: string, listSpansSchemas = false): string {
  return listSpansSchemas || (engine === 'postgres' && schema !== 'public') ? `${schema}.${name}` : name;
}
