import { note } from '../cli/output.js';
import type { DemoReport } from './report.js';

/**
 * Where `crm-rescue demo` hands over to the console, at a terminal and without --json: the
 * console opens on the fresh demo database (Home shows the backup and the deletion spike; the
 * wizard starts from the incident). Without a terminal it only says how to get there. Returns
 * the console's exit code.
 */
export async function openConsoleOnDemo(report: DemoReport, io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream } = process): Promise<number> {
  const hint = `Open the console on it: crm-rescue --url ${report.target}`;
  if (!io.stdin.isTTY || !io.stdout.isTTY) {
    note(hint);
    return 0;
  }
  note(`Opening the console on ${report.database} (q quits; later: crm-rescue --url ${report.target})`);
  const { openConsole } = await import('../console-entry.js');
  return openConsole({ url: report.target, json: false, yes: false, debug: false });
}
