import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';

let cached: string | undefined;

/** crm-rescue's own version, for manifests. */
export function crmRescueVersion(): string {
  if (cached) return cached;
  try {
    cached = String((JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0');
  } catch {
    cached = '0.0.0';
  }
  return cached;
}
