import { note } from '../cli/output.js';
import type { DemoReport } from './report.js';

/**
 * Where `crm-rescue demo` opens the console on the fresh demo database, at a terminal and
 * without --json. The console does not exist yet: until src/console-entry.ts can open on a
 * target, this only says how to get there.
 */
export async function openConsoleOnDemo(report: DemoReport): Promise<void> {
  note(`Open the console on it: crm-rescue --url ${report.target}`);
}
