/** A value as output shows it: binary as `\x` hex (PostgreSQL's spelling), the rest as the driver gave it. */
export function displayValue(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return `\\x${v.toString('hex')}`;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'bigint') return v.toString();
  return v;
}
