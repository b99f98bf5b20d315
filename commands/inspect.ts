import { defineCommand } from '../src/cli/define-command.js';
import { printJson, printText } from '../src/cli/output.js';

/** `crm-rescue inspect`: target, server, CRM flavour with evidence, and every table's key, relations, size. */
export const inspectCommand = defineCommand({
  command: 'inspect',
  describe: 'Show the target: server, CRM flavour and evidence, tables with keys, relations, rows and sizes',
  handler: async (args) => {
    // Engine modules load only when this verb runs: --help and the other verbs start faster.
    const [{ openFromArgs }, { formatInspectReport, INSPECT_LEGEND }, { buildInspectReport }] = await Promise.all([
      import('../src/cli/target-flags.js'),
      import('../src/inspect/format.js'),
      import('../src/inspect/report.js'),
    ]);
    const db = await openFromArgs(args);
    try {
      const { report } = await buildInspectReport(db);
      if (args.json) printJson(report);
      else printText(`${formatInspectReport(report, process.stdout.columns || 80)}\n\n${INSPECT_LEGEND}`);
    } finally {
      await db.close();
    }
  },
});
