/** The demo CRM: public façade for commands, tests and other modules (backup, bench). */
export { runDemo, rowCounts, type DemoOptions, type DemoSeedInfo } from './run-demo.js';
export { planIncident, keysSha256, type IncidentPlan, type IncidentBatch } from './incident-plan.js';
export { type IncidentReport } from './incident.js';
export { formatDemoSummary, type DemoReport } from './report.js';
export { describeProgress, type DemoProgress } from './progress.js';
export { demoChecksum, type DemoChecksum } from './checksum.js';
export { checkDatabaseName, DEFAULT_DEMO_DATABASE, demoServerTarget } from './server.js';
export { DEMO_TABLES, DEMO_COLUMNS, type DemoTable, type DemoRowCounts } from './tables.js';
export { DEFAULT_SCALE, demoSizes, INCIDENT_ACTOR, USERS, type DemoSizes, type DemoUser } from './world.js';
export { defaultSeedReference } from './rows.js';
export { demoUuid, mulberry32, Rng } from './prng.js';
