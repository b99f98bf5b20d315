/** `{{name}}` placeholders of the audit SQL files, replaced by already-quoted identifiers. */
export function renderSql(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`sql template variable {{${name}}} is not set`);
    return v;
  });
}

/**
 * Splits a file of plain statements (no procedure bodies) at the semicolons ending a line, and
 * drops `--` comment lines. For MySQL, which runs one statement per query.
 */
export function splitStatements(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n')
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
}
