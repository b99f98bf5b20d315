import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { dataHome } from '../util/paths.js';
import { nowIso } from '../util/clock.js';

/**
 * The erasure list: people who asked to be erased must never come back from a backup. Only
 * sha256 hashes of normalised identifiers (trimmed, lower-cased e-mail addresses or phone
 * numbers) are kept, in `$CRM_RESCUE_HOME/erasures.txt` (0600) — outside every backup.
 */
export function erasuresPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(dataHome(env), 'erasures.txt');
}

/** The hash merge compares with: sha256 of the trimmed, lower-cased value. */
export function erasureHash(value: string): string {
  return createHash('sha256').update(value.trim().toLowerCase()).digest('hex');
}

/** One entry of the list. */
export interface ErasureEntry {
  hash: string;
  addedAt: string;
}

/** Reads the list (empty when the file does not exist). */
export async function readErasures(env: NodeJS.ProcessEnv = process.env): Promise<ErasureEntry[]> {
  const path = erasuresPath(env);
  if (!existsSync(path)) return [];
  const text = await readFile(path, 'utf8');
  const out: ErasureEntry[] = [];
  for (const line of text.split('\n')) {
    const [hash, addedAt] = line.trim().split(/\s+/);
    if (hash && /^[0-9a-f]{64}$/.test(hash)) out.push({ hash, addedAt: addedAt ?? '' });
  }
  return out;
}

/** Adds identifiers (hashed here; the clear value is never written). Returns how many were new. */
export async function addErasures(values: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const clean = values.map((v) => v.trim()).filter(Boolean);
  if (!clean.length) throw new UserError('no identifier given', 'crm-rescue erasures add someone@example.org');
  const have = new Set((await readErasures(env)).map((e) => e.hash));
  const now = nowIso();
  const fresh = [...new Set(clean.map(erasureHash))].filter((h) => !have.has(h));
  if (fresh.length) {
    const path = erasuresPath(env);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await appendFile(path, fresh.map((h) => `${h} ${now}\n`).join(''), { mode: 0o600 });
  }
  return fresh.length;
}
