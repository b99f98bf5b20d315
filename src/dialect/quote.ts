/** Doubles the quote character inside an identifier and wraps it: works for any name. */
export function quoteWith(q: '"' | '`', name: string): string {
  if (name.includes('\0')) throw new Error('identifier contains a NUL character');
  return q + name.split(q).join(q + q) + q;
}

/** A standard SQL string literal ('' doubled). MySQL also needs backslashes doubled. */
export function quoteStringLiteral(value: string, backslashEscapes: boolean): string {
  if (value.includes('\0')) throw new Error('string contains a NUL character');
  const body = value.split("'").join("''");
  return `'${backslashEscapes ? body.split('\\').join('\\\\') : body}'`;
}
