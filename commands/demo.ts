import type { Argv } from 'yargs';
import { defineCommand } from '../src/cli/define-command.js';
import type { GlobalArgs } from '../src/cli/global-args.js';
import { note, printJson, printText } from '../src/cli/output.js';
import type { DemoReport } from '../src/demo/report.js';
import { DEFAULT_SCALE } from '../src/demo/world.js';

/** Same as src/demo/server.ts DEFAULT_DEMO_DATABASE (not imported: that module loads the drivers). */
const DEFAULT_DEMO_DATABASE = 'crm_rescue_demo';

/** `crm-rescue demo`: a sandbox CRM with a realistic incident to recover from. */
export const demoCommand = defineCommand({
  command: 'demo',
  describe: 'Create a sandbox CRM database on the local server, with a simulated mass deletion to recover',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('mysql', { type: 'boolean', default: false, describe: 'Use MySQL/MariaDB (default PostgreSQL); --url also chooses' })
      .option('db', { type: 'string', default: DEFAULT_DEMO_DATABASE, describe: 'Demo database name (replaced if it is a previous demo)' })
      .option('scale', { type: 'number', default: DEFAULT_SCALE, describe: 'Number of contacts (accounts ≈ N/10, notes ≈ N/2, …)' })
      .option('backup', { type: 'boolean', default: true, describe: 'Back up between the seed and the incident (--no-backup: skip)' })
      .option('dir', { type: 'string', describe: 'Catalog folder for that backup (default $CRM_RESCUE_HOME/backups)' })
      .option('audit-trigger', {
        type: 'boolean',
        default: false,
        describe: "Install crm-rescue's trigger audit before the incident; the CRM then logs nothing itself (recover with --backup audit-log)",
      })
      .option('incident', { type: 'boolean', default: true, describe: 'Simulate the incident (--no-incident: seed only)' })
      .example('$0 demo', 'PostgreSQL demo at 127.0.0.1:5432, database crm_rescue_demo')
      .example('$0 demo --mysql --scale 1000000', 'A million contacts on MariaDB')
      .example('$0 demo --audit-trigger --no-backup', 'A CRM that keeps no history and has no backup: only the trigger log saw the incident')
      .example('$0 demo --url postgres://me@db:5432 --db sandbox --json', 'On another server, machine-readable'),
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ describeProgress, formatDemoSummary, runDemo }, { backupBeforeIncident }] = await Promise.all([
      import('../src/demo/index.js'),
      import('../src/demo/backup-before-incident.js'),
    ]);
    const json = args.json || !process.stdout.isTTY;
    const report = await runDemo({
      engine: args.mysql ? 'mysql' : undefined,
      url: args.url,
      profile: args.profile,
      database: args.db,
      scale: args.scale,
      incident: args.incident,
      auditTrigger: args.auditTrigger,
      interactive: Boolean(process.stdin.isTTY) && !args.json,
      beforeIncident: args.backup ? (info) => backupBeforeIncident(info, args.dir) : undefined,
      onProgress: args.json ? undefined : (e) => note(describeProgress(e)),
    });
    if (json) {
      printJson(report);
      return;
    }
    printText(formatDemoSummary(report));
    const code = await openConsoleOnDemo(report);
    if (code) process.exitCode = code;
  },
});

/**
 * Where `crm-rescue demo` hands over to the console, at a terminal and without --json: the
 * console opens on the fresh demo database (Home shows the backup and the deletion spike; the
 * wizard starts from the incident). Without a terminal it only says how to get there. Returns
 * the console's exit code.
 */
async function openConsoleOnDemo(report: DemoReport, io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream } = process): Promise<number> {
  const hint = `Open the console on it: crm-rescue --url ${report.target}`;
  if (!io.stdin.isTTY || !io.stdout.isTTY) {
    note(hint);
    return 0;
  }
  note(`Opening the console on ${report.database} (q quits; later: crm-rescue --url ${report.target})`);
  const { openConsole } = await import('../src/tui/index.js');
  return openConsole({ url: report.target, json: false, yes: false, debug: false });
}
