/**
 * Where a command's output goes. With --json, stdout carries only JSON and everything else goes
 * to stderr; without it, humans read stdout.
 */

/** Writes one JSON document (pretty) to stdout. */
export function printJson(doc: unknown): void {
  process.stdout.write(`${JSON.stringify(doc, jsonReplacer, 2)}\n`);
}

/** Writes one NDJSON line to stdout. */
export function printNdjson(doc: unknown): void {
  process.stdout.write(`${JSON.stringify(doc, jsonReplacer)}\n`);
}

/** Writes human output to stdout. */
export function printText(text: string): void {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** A message for humans that must not pollute stdout (progress, notes, warnings). */
export function note(text: string): void {
  process.stderr.write(text.endsWith('\n') ? text : `${text}\n`);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  return value;
}

/** A comma-separated flag value as a list (`--keys a,b`, `--columns`); undefined when absent. */
export function commaList(v?: string): string[] | undefined {
  return v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
