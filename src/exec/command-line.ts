/** Quotes one word for a POSIX shell, only when it needs it. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.split("'").join(`'\\''`)}'`;
}

/**
 * A command as it may be shown and stored: public environment assignments, the tool and its
 * arguments, shell-quoted. Callers never put secrets in any of these (the wrapper keeps them apart).
 */
export function renderCommand(tool: string, args: readonly string[], publicEnv: Record<string, string> = {}): string {
  const env = Object.entries(publicEnv).map(([k, v]) => `${k}=${shellQuote(v)}`);
  return [...env, shellQuote(tool), ...args.map(shellQuote)].join(' ');
}
