import { readdir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { PathCompletion } from './services.js';

/** Candidates returned at most: a folder of thousands of files is summed up, not listed. */
const LIMIT = 200;

/** `~` and `~/…` as the home folder; anything else as typed. */
export function expandHome(path: string, home = homedir()): string {
  if (path === '~') return home;
  if (path.startsWith('~/')) return `${home.replace(/\/+$/, '')}/${path.slice(2)}`;
  return path;
}

/**
 * Completes `typed` like a shell's Tab: the names in its folder that start with its last part
 * (dot-files only when that part starts with a dot), extended to their common prefix; a single
 * folder gets its `/`, so the next Tab lists inside it. The folder part stays as typed (`~`
 * included). A folder that cannot be read completes nothing and is never entered.
 */
export async function completePath(typed: string, options: { home?: string; cwd?: string } = {}): Promise<PathCompletion> {
  const home = options.home ?? homedir();
  // `~` alone means the home folder itself: complete it to `~/`.
  if (typed === '~') return { completed: '~/', candidates: [], more: 0 };
  const cut = typed.lastIndexOf('/') + 1;
  const folderPart = typed.slice(0, cut);
  const base = typed.slice(cut);
  const folder = resolve(options.cwd ?? process.cwd(), expandHome(folderPart || '.', home));
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch {
    return { completed: typed, candidates: [], more: 0 };
  }
  const names: string[] = [];
  for (const e of entries) {
    if (!e.name.startsWith(base) || (e.name.startsWith('.') && !base.startsWith('.'))) continue;
    let isDir = e.isDirectory();
    // A link counts as what it points at, when that can be seen.
    if (e.isSymbolicLink())
      isDir = await stat(resolve(folder, e.name)).then(
        (s) => s.isDirectory(),
        () => false,
      );
    names.push(isDir ? `${e.name}/` : e.name);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (names.length === 0) return { completed: typed, candidates: [], more: 0 };
  if (names.length === 1) return { completed: folderPart + names[0], candidates: names, more: 0 };
  const common = names.map((n) => n.replace(/\/$/, '')).reduce(commonPrefix);
  return { completed: folderPart + (common.length > base.length ? common : base), candidates: names.slice(0, LIMIT), more: Math.max(0, names.length - LIMIT) };
}

function commonPrefix(a: string, b: string): string {
  const x = [...a];
  const y = [...b];
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return x.slice(0, i).join('');
}
