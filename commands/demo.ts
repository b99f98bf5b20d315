import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { GlobalArgs } from '../src/cli/global-args.js';
import { note, printJson, printText } from '../src/cli/output.js';
import { DEFAULT_SCALE } from '../src/demo/world.js';

/** Same as src/demo/server.ts DEFAULT_DEMO_DATABASE (not imported: that module loads the drivers). */
const DEFAULT_DEMO_DATABASE = 'crm_rescue_demo';

interface DemoArgs extends GlobalArgs {
  mysql: boolean;
  db: string;
  scale: number;
  incident: boolean;
  backup: boolean;
  auditTrigger: boolean;
  dir?: string;
}

/** `crm-rescue demo`: a sandbox CRM with a realistic incident to recover from. */
export const demoCommand: CommandModule<GlobalArgs, DemoArgs> = {
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
      .example('$0 demo --url postgres://me@db:5432 --db sandbox --json', 'On another server, machine-readable') as never,
  handler: async (args: ArgumentsCamelCase<DemoArgs>) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ describeProgress, formatDemoSummary, openConsoleOnDemo, runDemo }, { runBackup }, { openDb }, { dropCompanionNamespaces }] = await Promise.all([
      import('../src/demo/index.js'),
      import('../src/backup/run-backup.js'),
      import('../src/connect/open.js'),
      import('../src/stage/namespace.js'),
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
      // Between the seed and the incident: forget what belonged to an earlier demo database of
      // that name, then take the backup the recovery will start from.
      beforeIncident: args.backup
        ? async (info) => {
            const db = await openDb(info.target, { readOnly: false, interactive: false });
            try {
              await dropCompanionNamespaces(db);
              const result = await runBackup({ target: info.target, db, dir: args.dir, label: 'demo: before the incident' });
              return { backupId: result.id };
            } finally {
              await db.close();
            }
          }
        : undefined,
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
};
