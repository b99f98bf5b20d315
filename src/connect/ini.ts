/** A parsed INI file: section name → key → value. Keys without a value map to ''. */
export type Ini = Map<string, Map<string, string>>;

/**
 * Parses the INI dialect shared by ~/.my.cnf and crm-rescue's profiles file: `[section]`,
 * `key = value` or `key=value`, `#` and `;` comments, optional single or double quotes around a
 * value, and bare keys (`skip-ssl`). MySQL's `!include` lines are ignored.
 */
export function parseIni(text: string): Ini {
  const ini: Ini = new Map();
  let section = new Map<string, string>();
  ini.set('', section);
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';') || line.startsWith('!')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = header[1].trim();
      section = ini.get(name) ?? new Map<string, string>();
      ini.set(name, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) {
      section.set(normalizeKey(line), '');
      continue;
    }
    const key = normalizeKey(line.slice(0, eq));
    section.set(key, unquote(line.slice(eq + 1).trim()));
  }
  return ini;
}

function normalizeKey(key: string): string {
  return key.trim().toLowerCase().replace(/_/g, '-');
}

function unquote(value: string): string {
  if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) {
    const inner = value.slice(1, -1);
    return value[0] === '"' ? inner.replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t' })[c] ?? c) : inner;
  }
  // An unquoted value ends at an inline comment.
  const hash = value.search(/\s#/);
  return hash >= 0 ? value.slice(0, hash).trim() : value;
}
