import type { TableInfo } from '../dialect/index.js';
import { UsageError, UserError } from '../errors.js';
import { matchQuoted } from '../util/table-ref.js';

/**
 * Resolves `--tables` against introspection (DESIGN.md safety rule 5: names are checked before
 * use). Each entry is a table name, or `schema.name` where the engine has schemas. Returns null
 * for "every table". Unknown names are a UserError that names them; ambiguous ones a UsageError.
 */
export function selectTables(all: TableInfo[], requested: readonly string[] | undefined, database: string): TableInfo[] | null {
  const wanted = (requested ?? []).map((t) => t.trim()).filter(Boolean);
  if (wanted.length === 0) return null;
  const chosen: TableInfo[] = [];
  const missing: string[] = [];
  for (const ref of wanted) {
    const byName = all.filter((t) => t.name === ref);
    let match: TableInfo[] = byName;
    if (match.length === 0) {
      match = all.filter((t) => `${t.schema}.${t.name}` === ref);
    }
    // As SQL writes it: "schema"."name", `db`.`name`.
    if (match.length === 0) match = matchQuoted(all, ref);
    if (match.length > 1) {
      throw new UsageError(`--tables: "${ref}" is in several schemas (${match.map((t) => `${t.schema}.${t.name}`).join(', ')})`, 'Name it as schema.table');
    }
    if (match.length === 0) missing.push(ref);
    else if (!chosen.includes(match[0])) chosen.push(match[0]);
  }
  if (missing.length) {
    const known = all
      .slice(0, 8)
      .map((t) => t.name)
      .join(', ');
    throw new UserError(
      `${missing.length === 1 ? 'table' : 'tables'} ${missing.map((m) => `"${m}"`).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist in ${database}`,
      all.length ? `Known tables include: ${known}${all.length > 8 ? ', …' : ''} (crm-rescue inspect lists them all)` : 'The database has no tables',
    );
  }
  return chosen;
}
