/**
 * The real servers the integration tests talk to. Override with CRM_RESCUE_TEST_PG_URL /
 * CRM_RESCUE_TEST_MYSQL_URL (admin URLs without a database path).
 */
export const PG_ADMIN_URL = process.env.CRM_RESCUE_TEST_PG_URL ?? 'postgres://root@127.0.0.1:5432';
export const MYSQL_ADMIN_URL = process.env.CRM_RESCUE_TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306';

/** Both engines, for `describe.each(engines)`: one test body, both dialects. */
export const engines = ['postgres', 'mysql'] as const;
export type TestEngine = (typeof engines)[number];
