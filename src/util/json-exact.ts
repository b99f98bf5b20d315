/**
 * JSON.parse without silent rounding. A JavaScript number holds integers exactly only up to
 * 2^53: `JSON.parse('{"id": 9007199254740993}')` gives 9007199254740992, another row's key. Keys
 * and row images come from the server as JSON text (crm-rescue's trigger-audit log, `--keys-from`
 * files), so every number that a JS number cannot hold exactly is kept as its own text: integers
 * outside ±(2^53 − 1) and any number whose text does not survive the round trip (`1.50`,
 * `1e400`, `0.10000000000000000001`). Everything else parses as JSON.parse would.
 */
export function parseJsonExact(text: string): unknown {
  // Strings are matched first so that digits inside them are left alone; outside strings a
  // JSON text has only punctuation, true/false/null and numbers.
  const quoted = text.replace(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g, (token) =>
    token.startsWith('"') || numberIsExact(token) ? token : `"${token}"`,
  );
  return JSON.parse(quoted);
}

/** True when the JSON number text means exactly the JS number it parses to. */
function numberIsExact(token: string): boolean {
  const n = Number(token);
  if (/^-?\d+$/.test(token)) return Number.isSafeInteger(n) && String(n) === token.replace(/^(-?)0+(?=\d)/, '$1');
  return Number.isFinite(n) && String(n) === token;
}
