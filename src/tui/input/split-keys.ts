import type { Key } from 'ink';

/** A key press as Ink reports it. */
export interface KeyPress {
  input: string;
  key: Key;
}

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/**
 * Ink 6 splits input at escape sequences only: keys typed ahead (over a slow SSH link, or sent by
 * `tmux send-keys G Enter`) arrive as one string such as `"jj\r"`. This splits such a string into
 * one key press per character, so each is routed (and rendered) on its own.
 */
export function splitKeys(input: string, key: Key): KeyPress[] {
  const chars = [...input];
  if (chars.length <= 1 || key.meta || key.ctrl) return [{ input, key }];
  return chars.map((c) => charKey(c));
}

/** The key press one character stands for. */
export function charKey(c: string): KeyPress {
  if (c === '\r' || c === '\n') return { input: '', key: { ...NO_KEY, return: true } };
  if (c === '\t') return { input: '', key: { ...NO_KEY, tab: true } };
  if (c === '\x7f') return { input: '', key: { ...NO_KEY, delete: true } };
  if (c === '\b') return { input: '', key: { ...NO_KEY, backspace: true } };
  const code = c.codePointAt(0) ?? 0;
  if (code > 0 && code <= 26) return { input: String.fromCharCode(code + 96), key: { ...NO_KEY, ctrl: true } };
  return { input: c, key: { ...NO_KEY, shift: /^[A-Z]$/.test(c) } };
}
