import type { Engine } from '../connect/target.js';
import type { DemoEngine } from '../demo/demo-engine.js';
import { mysqlDemo } from './mysql/mysql-demo.js';
import { postgresDemo } from './postgres/postgres-demo.js';

/** The demo's engine-specific half for an engine: the one place that maps engine → implementation. */
export function demoEngineFor(engine: Engine): DemoEngine {
  return engine === 'postgres' ? postgresDemo : mysqlDemo;
}
