/**
 * A table as the console names it: the bare name, or `schema.name` for a PostgreSQL schema
 * other than public, or whenever the list spans several schemas (a MySQL "schema" is the
 * database itself: saying it again helps no one).
 */
export function tableDisplay(engine: string, schema: string, name: string, multiSchema = false): string {
  return multiSchema || (engine === 'postgres' && schema !== 'public') ? `${schema}.${name}` : name;
}
