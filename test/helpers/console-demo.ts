import { expect } from 'vitest';
import { openDb } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import type { DemoReport } from '../../src/demo/report.js';
import { planIncident } from '../../src/demo/incident-plan.js';
import { runIncident, type IncidentReport } from '../../src/demo/incident.js';
import { demoEngineFor } from '../../src/demo/server.js';
import type { CliResult } from './cli.js';

/** The demo with a backup taken before its incident. */
export interface DemoWithBackup {
  report: DemoReport;
  url: string;
  backup: string;
  incident: IncidentReport;
  /** True when the demo did not back up itself and the backup and incident were run here. */
  fallback: boolean;
}

/**
 * Runs `crm-rescue demo --json`. When its report has a backup (the demo backs up between seed
 * and incident), that is all. Otherwise the demo is run again without the incident, backed up
 * with `crm-rescue backup`, and the demo's own incident is run on it (same rows, same history).
 */
export async function demoWithBackup(
  run: (args: string[], extra?: { timeoutMs?: number }) => Promise<CliResult>,
  engine: 'postgres' | 'mysql',
  name: string,
  scale: number,
): Promise<DemoWithBackup> {
  const args = ['demo', '--db', name, '--scale', String(scale), '--json', ...(engine === 'mysql' ? ['--mysql'] : [])];
  const first = await run(args, { timeoutMs: 300_000 });
  expect(first.code, first.stderr).toBe(0);
  const report = JSON.parse(first.stdout) as DemoReport;
  if (report.backup && report.incident) return { report, url: report.target, backup: report.backup, incident: report.incident, fallback: false };
  const seeded = await run([...args, '--no-incident'], { timeoutMs: 300_000 });
  expect(seeded.code, seeded.stderr).toBe(0);
  const plain = JSON.parse(seeded.stdout) as DemoReport;
  const b = await run(['backup', '--url', plain.target, '--json'], { timeoutMs: 300_000 });
  expect(b.code, b.stderr).toBe(0);
  const backup = (JSON.parse(b.stdout) as { id: string }).id;
  const target = parseTargetUrl(plain.target);
  const db = await openDb(target, { readOnly: false, interactive: false, poolSize: 2 });
  try {
    const incident = await runIncident(db, demoEngineFor(target.engine), planIncident(scale));
    return { report: plain, url: plain.target, backup, incident, fallback: true };
  } finally {
    await db.close();
  }
}
