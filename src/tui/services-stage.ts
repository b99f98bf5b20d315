import { resolveTargetBackup } from '../backup/belongs.js';
import { openDb, type Db } from '../connect/open.js';
import { detectCrm } from '../crm/detect.js';
import { relatedTables, relationsOf } from '../crm/relations.js';
import type { SchemaSnapshot } from '../dialect/model.js';
import { isInternalNamespace } from '../dialect/namespaces.js';
import { listStagings } from '../stage/namespace.js';
import { stagingOf } from '../stage/resolve.js';
import { stageTables } from '../stage/stage.js';
import { catalogDir } from '../util/paths.js';
import type { StageServices } from './services-types.js';
import { tableDisplay } from './table-name.js';

/**
 * Staging from the console. Reads go through the console's read-only connection; staging opens
 * its own read-write connection, which writes only the staging namespace, and closes it after.
 */
export function stageServices(db: Db, snapshot: () => Promise<SchemaSnapshot>, env: NodeJS.ProcessEnv = process.env): StageServices {
  const catalog = () => catalogDir(undefined, env);
  // MySQL backups name the source database as the schema; live tables are in the target database.
  const liveSchema = (schema: string) => (db.dialect.engine === 'postgres' ? schema : db.target.database);
  return {
    async backupTables(backupId) {
      const { manifest } = await resolveTargetBackup(db, backupId, { dir: catalog() });
      const staging = await stagingOf(db, manifest.id);
      const staged = new Set(staging?.tables.map((t) => `${t.schema}.${t.name}`) ?? []);
      // A backup of the whole database also holds crm-rescue's own schemas (journal, staging): not CRM tables.
      return manifest.tables
        .filter((t) => !t.partitionOf && !isInternalNamespace(t.schema))
        .map((t) => ({
          id: `${t.schema}.${t.name}`,
          schema: t.schema,
          name: t.name,
          rows: t.rows,
          rowsEstimated: t.rowsEstimated,
          bytes: t.bytes,
          file: t.file,
          staged: staged.has(`${liveSchema(t.schema)}.${t.name}`),
        }));
    },
    async related(backupId, tables) {
      const { manifest } = await resolveTargetBackup(db, backupId, { dir: catalog() });
      const snap = await snapshot();
      const relations = relationsOf(snap, detectCrm(snap));
      const chosen = new Set(tables);
      const out = new Set<string>();
      for (const id of tables) {
        const t = manifest.tables.find((x) => `${x.schema}.${x.name}` === id);
        if (!t) continue;
        for (const r of relatedTables(relations, { schema: liveSchema(t.schema), name: t.name })) {
          const m = manifest.tables.find((x) => x.name === r.name && liveSchema(x.schema) === r.schema);
          if (m && !chosen.has(`${m.schema}.${m.name}`)) out.add(`${m.schema}.${m.name}`);
        }
      }
      return [...out].sort();
    },
    async run(request, options = {}) {
      const writer = await openDb(db.target, { readOnly: false, interactive: false, poolSize: 2 });
      try {
        const r = await stageTables(writer, {
          backup: request.backupId,
          tables: request.tables,
          withRelated: request.withRelated,
          dir: catalog(),
          onProgress: options.onProgress,
          signal: options.signal,
          onlyMissing: true,
        });
        return {
          backupId: r.backupId,
          namespace: r.namespace,
          tables: r.tables.map((t) => ({ table: tableDisplay(db.dialect.engine, t.schema, t.name), rows: t.rows, seconds: t.seconds, related: t.related })),
        };
      } finally {
        await writer.close().catch(() => undefined);
      }
    },
    async list() {
      return (await listStagings(db)).map((s) => ({
        namespace: s.namespace,
        backupId: s.backupId,
        createdAt: s.createdAt,
        tables: s.tables.map((t) => ({ table: tableDisplay(db.dialect.engine, t.schema, t.name), rows: t.rows })),
      }));
    },
  };
}
