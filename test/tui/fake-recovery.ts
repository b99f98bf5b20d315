import type {
  AuditEvent,
  AuditServices,
  BackupItem,
  BackupServices,
  ConsoleServices,
  DiffClass,
  DiffRowView,
  DiffServices,
  DiffSet,
  DiffTable,
  ExternalBackupView,
  FoundDump,
  ImportedBackup,
  IncidentSummary,
  MergeOutcome,
  MergePlan,
  MergeServices,
  NoBackupQuery,
  NoBackupSource,
  PathCompletion,
  RowSelection,
  StageServices,
  TimelineBucket,
} from '../../src/tui/services.js';
import type { Compression, DumpFormat, TakenAtSource } from '../../src/external/model.js';
import type { ProgressUpdate } from '../../src/progress/event.js';
import { fakeServices } from './helpers.js';

/** The instant the fakes call "now": 21 Nov 2026 12:00 UTC. */
export const NOW = Date.parse('2026-11-21T12:00:00Z');
const HOUR = 3_600_000;

/** The incident every fake reports: 864 rows by mallory.b at 05:58–06:00. */
export const INCIDENT: IncidentSummary = {
  id: 'inc_4d3495c6330a',
  window: { start: '2026-11-21T05:58:30.593Z', end: '2026-11-21T06:00:30.593Z' },
  actor: 'mallory.b',
  tables: [
    { schema: 'public', table: 'accounts_contacts', hard: 465, soft: 0 },
    { schema: 'public', table: 'contacts', hard: 319, soft: 0 },
    { schema: 'public', table: 'notes', hard: 72, soft: 0 },
    { schema: 'public', table: 'accounts', hard: 0, soft: 8 },
  ],
  rows: { total: 864, hard: 856, soft: 8 },
  sources: ['demo-history'],
  backupBefore: null,
};

/** Events: `n` hard deletes of contacts, one per second back from the incident's end. */
export function fakeAudit(n = 300, overrides: Partial<AuditServices> = {}): AuditServices & { calls: string[] } {
  const end = Date.parse(INCIDENT.window.end);
  const event = (i: number): AuditEvent => ({
    time: new Date(end - i * 1000).toISOString(),
    schema: 'public',
    table: i % 3 === 0 ? 'notes' : 'contacts',
    key: { id: `c-${String(i).padStart(5, '0')}` },
    actor: 'u-7',
    actorName: 'mallory.b',
    kind: 'hard',
    source: i % 2 ? 'demo-history' : 'trigger-audit',
    image: i % 2 ? null : { id: `c-${i}`, first_name: 'Ada', last_name: 'Lovelace', email: `ada${i}@example.com` },
    details: null,
    cursor: String(i),
  });
  const matching = (table?: string) => Array.from({ length: n }, (_, i) => i).filter((i) => !table || event(i).table === table);
  const calls: string[] = [];
  return {
    calls,
    async timeline(range, bucket, query = {}) {
      calls.push(`timeline ${bucket} ${query.table ?? ''}`);
      const size = bucket === 'minute' ? 60_000 : bucket === 'hour' ? HOUR : 24 * HOUR;
      const out: TimelineBucket[] = [];
      const ids = matching(query.table);
      for (let t = Math.floor(Date.parse(range.since) / size) * size; t < Date.parse(range.until); t += size) {
        const hard = ids.filter((i) => {
          const at = end - i * 1000;
          return at >= t && at < t + size;
        }).length;
        out.push({ start: new Date(t).toISOString(), hard, soft: 0 });
      }
      return out;
    },
    async countEvents(query) {
      calls.push(`count ${query.table ?? ''}`);
      return matching(query.table).length;
    },
    async events(query, after, limit) {
      calls.push(`events ${after ?? 'first'} ${limit} ${query.table ?? ''}`);
      const ids = matching(query.table);
      const from = after === null ? 0 : ids.indexOf(Number(after)) + 1;
      return ids.slice(from, from + limit).map(event);
    },
    async incidents() {
      return [INCIDENT];
    },
    async newestEvent() {
      return n ? INCIDENT.window.end : null;
    },
    ...overrides,
  };
}

/** A usable backup taken `hoursAgo` before NOW. */
export function backupItem(id: string, hoursAgo: number, extra: Partial<BackupItem> = {}): BackupItem {
  const at = new Date(NOW - hoursAgo * HOUR).toISOString();
  return { id, status: 'ok', usable: true, startedAt: at, finishedAt: at, tables: 8, bytes: 1_200_000, rows: 14_000, label: null, error: null, ...extra };
}

/** Two usable backups (one before the incident, one after) and a failed one. */
export function fakeBackups(overrides: Partial<BackupServices> = {}): BackupServices & { runs: number; items: BackupItem[] } {
  const items = [
    backupItem('20261121T110000Z-postgres-crm_prod-aa01', 1),
    backupItem('20261121T020000Z-postgres-crm_prod-bb02', 10),
    backupItem('20261120T020000Z-postgres-crm_prod-cc03', 34, { status: 'failed', usable: false, error: 'pg_dump: disk full' }),
  ];
  const self = {
    runs: 0,
    items,
    async list() {
      // Newest taken first, as the catalog lists them (imports land in their place).
      return [...items].sort((a, b) => Date.parse(b.external?.takenAt ?? b.startedAt) - Date.parse(a.external?.takenAt ?? a.startedAt));
    },
    async detail(id: string) {
      const b = items.find((x) => x.id === id) ?? items[0];
      return {
        ...b,
        path: `/backups/${b.id}`,
        target: 'postgres://crm@db.example:5432/crm_prod',
        serverVersion: '15.4',
        tool: 'pg_dump 15.4',
        layout: 'pg-directory',
        compress: 'gzip level 6',
        durationSeconds: 3,
        tableList: ['accounts', 'contacts', 'notes'].map((name) => ({
          id: `public.${name}`,
          schema: 'public',
          name,
          rows: 100,
          rowsEstimated: false,
          bytes: 4096,
          file: `dump/${name}.dat.gz`,
        })),
        restoreTest: null,
      };
    },
    async run(options: { onProgress?: (e: never) => void; signal?: AbortSignal } = {}) {
      self.runs++;
      // Runs until cancelled: a test sees it running for as long as it needs, however slow the machine.
      return new Promise<BackupItem>((_resolve, reject) => {
        options.signal?.addEventListener('abort', () => {
          // As the real service rejects (BackupCancelledError): nothing is left.
          const err = Object.assign(new Error('backup cancelled: nothing was kept; the catalog is as it was'), { leftover: null });
          err.name = 'AbortError';
          reject(err);
        });
      });
    },
    async verify(id: string) {
      return { id, ok: true, filesChecked: 9, bytesChecked: 1_200_000, problems: [] };
    },
    ...overrides,
  };
  return self;
}

/** Staging that finishes at once. */
export function fakeStage(overrides: Partial<StageServices> = {}): StageServices & { runs: { tables: string[]; withRelated: boolean }[] } {
  const runs: { tables: string[]; withRelated: boolean }[] = [];
  return {
    runs,
    async backupTables() {
      return ['accounts', 'accounts_contacts', 'contacts', 'notes'].map((name) => ({
        id: `public.${name}`,
        schema: 'public',
        name,
        rows: 1000,
        rowsEstimated: false,
        bytes: 65_536,
        file: `dump/${name}.dat.gz`,
        staged: name === 'accounts',
      }));
    },
    async related(_backupId, tables) {
      return tables.includes('public.contacts') ? ['public.accounts_contacts', 'public.notes'].filter((t) => !tables.includes(t)) : [];
    },
    async run(request) {
      runs.push({ tables: request.tables, withRelated: request.withRelated });
      return {
        backupId: request.backupId,
        namespace: 'crm_rescue_stage_0123456789ab',
        tables: request.tables.map((t) => ({ table: `public.${t.replace(/^public\./, '')}`, rows: 1000, seconds: 0.2, related: false })),
      };
    },
    async list() {
      return [];
    },
    ...overrides,
  };
}

/** A diff table with counts. */
export function diffTable(name: string, counts: Partial<DiffTable['counts']> = {}): DiffTable {
  return {
    id: `public.${name}`,
    display: name,
    key: ['id'],
    columns: ['first_name', 'email', 'deleted'],
    softDelete: 'deleted',
    counts: { deleted: 0, softDeleted: 0, changed: 0, added: 0, unchanged: 100, ...counts },
  };
}

/**
 * A diff whose rows are made up on demand (key `id` = 1…n per class): any number of rows,
 * nothing held. `reads` records every page asked for.
 */
export function fakeDiffSet(
  tables: DiffTable[],
  backupId = '20261121T020000Z-postgres-crm_prod-bb02',
): DiffSet & { reads: { table: string; cls: DiffClass; after: unknown; limit: number; skip: number }[] } {
  const reads: { table: string; cls: DiffClass; after: unknown; limit: number; skip: number }[] = [];
  let current = tables;
  const countOf = (t: DiffTable, cls: DiffClass) =>
    cls === 'deleted' ? t.counts.deleted : cls === 'soft-deleted' ? t.counts.softDeleted : cls === 'changed' ? t.counts.changed : t.counts.added;
  const row = (cls: DiffClass, id: number): DiffRowView =>
    cls === 'deleted'
      ? { class: cls, key: { id }, keyTuple: [id], before: { first_name: `First${id}`, email: `p${id}@example.com`, deleted: 0 } }
      : cls === 'added'
        ? { class: cls, key: { id }, keyTuple: [id], after: { first_name: `New${id}`, email: `n${id}@example.com`, deleted: 0 } }
        : { class: cls, key: { id }, keyTuple: [id], changedColumns: ['deleted'], before: { deleted: 0 }, after: { deleted: 1 } };
  return {
    reads,
    backupId,
    get tables() {
      return current;
    },
    stagedNow: [],
    async rows(table, cls, after, limit, skip = 0) {
      reads.push({ table, cls, after: after?.[0] ?? null, limit, skip });
      const t = current.find((x) => x.id === table)!;
      const start = (after ? Number(after[0]) : 0) + skip;
      const end = Math.min(countOf(t, cls), start + limit);
      const out: DiffRowView[] = [];
      for (let id = start + 1; id <= end; id++) out.push(row(cls, id));
      return out;
    },
    async row(table, keyTuple) {
      return {
        table,
        key: { id: keyTuple[0] },
        inBackup: true,
        inLive: false,
        columns: [
          { name: 'id', before: keyTuple[0], after: undefined, changed: false },
          { name: 'first_name', before: 'Ada', after: undefined, changed: true },
          { name: 'email', before: 'ada@example.com', after: undefined, changed: true },
        ],
      };
    },
    async recount() {
      current = current.map((t) => ({ ...t, counts: { ...t.counts, deleted: 0, softDeleted: 0 } }));
      return current;
    },
  };
}

/** The incident's diff: contacts, relation rows and notes deleted, accounts soft-deleted. */
export function incidentDiff(): ReturnType<typeof fakeDiffSet> {
  return fakeDiffSet([
    diffTable('accounts_contacts', { deleted: 465 }),
    diffTable('contacts', { deleted: 319 }),
    diffTable('notes', { deleted: 72 }),
    diffTable('accounts', { softDeleted: 8 }),
  ]);
}

/** Diff service handing out one set. */
export function fakeDiff(set: DiffSet = incidentDiff()): DiffServices & { opened: { backupId: string; tables: string[] }[] } {
  const opened: { backupId: string; tables: string[] }[] = [];
  return {
    opened,
    async open(request) {
      opened.push(request);
      return set;
    },
  };
}

/** Work a fake holds half-way until the test opens it. */
export interface Gate {
  /** Resolves once opened. */
  readonly passed: Promise<void>;
  open(): void;
}

/** A closed gate. */
export function gate(): Gate {
  let open = () => {};
  const passed = new Promise<void>((resolve) => (open = resolve));
  return { passed, open };
}

/**
 * What planMerge and MergePlan.apply report, table by table: done/total count the tables, `rows`
 * the rows gone through of those selected; half-way (after the first half of the tables), the
 * gate holds the work when one is given.
 */
async function emitMergeProgress(
  phase: string,
  tables: { table: string; rows: number }[],
  onProgress: ((e: ProgressUpdate) => void) | undefined,
  held?: Gate,
  signal?: AbortSignal,
): Promise<void> {
  const total = tables.reduce((n, t) => n + t.rows, 0);
  let done = 0;
  // Aborted while held: stops there, as the real work does (nothing written).
  const aborted = new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true }));
  for (const [i, t] of tables.entries()) {
    if (held && i === Math.floor(tables.length / 2)) await Promise.race([held.passed, aborted]);
    signal?.throwIfAborted();
    onProgress?.({ operation: 'merge', phase, table: t.table, done: i, total: tables.length, rows: { done, total }, etaSeconds: null });
    done += t.rows;
    onProgress?.({ operation: 'merge', phase, table: t.table, done: i + 1, total: tables.length, rows: { done, total }, etaSeconds: 0 });
  }
}

/**
 * Merge service: plans from the selections, applies, undoes; records what it was asked. Its plan
 * (the dry run) and apply report progress table by table; `gates` holds them half-way.
 */
export function fakeMerge(gates: { plan?: Gate; apply?: Gate } = {}): MergeServices & {
  planned: RowSelection[][];
  applied: number;
  undone: string[];
  closed: number;
} {
  const self = {
    planned: [] as RowSelection[][],
    applied: 0,
    undone: [] as string[],
    closed: 0,
    database: () => 'crm_prod',
    async plan(
      request: { backupId: string; selections: RowSelection[]; policy: 'abort' | 'skip' | 'overwrite' },
      options: { onProgress?: (e: ProgressUpdate) => void; signal?: AbortSignal } = {},
    ): Promise<MergePlan> {
      self.planned.push(request.selections);
      // One plan is one merge (one transaction, one journal entry) whatever the number of roots.
      const steps = request.selections.map((s) => ({
        mergeId: 'mrg_20261121120000_0000',
        root: s.table,
        tables: [
          {
            table: s.table,
            inserts: s.classes.includes('deleted') ? 319 : s.keys.length,
            updates: s.classes.includes('soft-deleted') ? 8 : 0,
            skipped: 0,
            conflicts: {},
            via: 'selection',
          },
        ],
        totals: { inserted: s.classes.includes('deleted') ? 319 : s.keys.length, updated: s.classes.includes('soft-deleted') ? 8 : 0, skipped: 0 },
        sql: [`INSERT INTO "public"."${s.table.replace('public.', '')}" SELECT …`],
        blocked: null,
        conflictRows: [],
      }));
      const totals = steps.reduce((a, s) => ({ inserted: a.inserted + s.totals.inserted, updated: a.updated + s.totals.updated, skipped: 0 }), {
        inserted: 0,
        updated: 0,
        skipped: 0,
      });
      const written = steps.flatMap((s) => s.tables.map((t) => ({ table: t.table, rows: t.inserts + t.updates })));
      await emitMergeProgress('dry run', written, options.onProgress, gates.plan, options.signal);
      return {
        database: 'crm_prod',
        backupId: request.backupId,
        policy: request.policy,
        mergeId: 'mrg_20261121120000_0000',
        merges: steps,
        totals,
        async apply(o: { onProgress?: (e: ProgressUpdate) => void } = {}): Promise<MergeOutcome> {
          self.applied++;
          await emitMergeProgress('apply', written, o.onProgress, gates.apply);
          return {
            merges: steps.map((s) => ({ ...s, applied: true, verify: { checked: s.totals.inserted + s.totals.updated, mismatched: 0 }, durationSeconds: 0.1 })),
            totals,
            verify: { checked: totals.inserted + totals.updated, mismatched: 0 },
            failed: null,
          };
        },
        async close() {
          self.closed++;
        },
      };
    },
    async list() {
      return [
        {
          id: 'mrg_20261121090000_ab12',
          backupId: 'b',
          createdAt: '2026-11-21T09:00:00.000Z',
          state: 'applied' as const,
          tables: ['contacts'],
          totals: { inserted: 3, updated: 0, skipped: 0 },
          dbUser: 'root',
        },
      ];
    },
    async undo(id: string) {
      self.undone.push(id);
      return { mergeId: id, state: 'undone' as const, tables: [{ table: 'public.contacts', deleted: 3, restored: 0, refused: 0 }] };
    },
  };
  return self;
}

/** Console services with every recovery service faked. */
export function recoveryFakes(overrides: Partial<ConsoleServices> = {}): ConsoleServices {
  return fakeServices({ audit: fakeAudit(), backups: fakeBackups(), stage: fakeStage(), diff: fakeDiff(), merge: fakeMerge(), ...overrides });
}

/** What a fake path holds: a folder, a dump (and what reading it tells), or a file the import refuses. */
export type FakeEntry =
  | { kind: 'folder' }
  | { kind: 'dump'; view: Omit<ExternalBackupView, 'path' | 'members' | 'importedAt' | 'copied' | 'files' | 'changed'>; bytes: number; id: string }
  | { kind: 'refused'; message: string };

/** The home folder of the fake file system (`~`). */
export const FAKE_HOME = '/home/ada';

/**
 * A file system for the import: `/srv/backups` holds two pg_dump files (one taken before the
 * incident, newer than every catalog backup before it), a text file and an encrypted dump.
 */
export function fakeFiles(): Map<string, FakeEntry> {
  const dump = (id: string, format: DumpFormat, compression: Compression, takenAt: string, source: TakenAtSource, bytes: number): FakeEntry => ({
    kind: 'dump',
    id,
    bytes,
    view: {
      engine: 'postgres',
      format,
      wrapper: null,
      compression,
      databases: ['crm_prod'],
      takenAt,
      takenAtSource: source,
      tool: format === 'pg-custom' ? 'pg_dump 15.4' : null,
    },
  });
  return new Map<string, FakeEntry>([
    ['/srv', { kind: 'folder' }],
    ['/srv/backups', { kind: 'folder' }],
    ['/srv/backups/nightly', { kind: 'folder' }],
    [
      '/srv/backups/nightly/crm_prod-1121.dump',
      dump('20261121T030000Z-postgres-crm_prod-ex01', 'pg-custom', 'none', '2026-11-21T03:00:00.000Z', 'archive-header', 3_400_000),
    ],
    [
      '/srv/backups/nightly/crm_prod-1119.sql.gz',
      dump('20261119T020000Z-postgres-crm_prod-ex02', 'pg-plain', 'gzip', '2026-11-19T02:00:00.000Z', 'mtime', 900_000),
    ],
    [
      '/srv/backups/nightly/notes.txt',
      { kind: 'refused', message: '/srv/backups/nightly/notes.txt is not a database dump: it looks like text (crm-rescue reads pg_dump, …)' },
    ],
    ['/srv/backups/secret.sql.gpg', { kind: 'refused', message: '/srv/backups/secret.sql.gpg is encrypted with GnuPG (Decrypt it first)' }],
    ['/srv/backups/old-crm', { kind: 'folder' }],
    [FAKE_HOME, { kind: 'folder' }],
    [`${FAKE_HOME}/dumps`, { kind: 'folder' }],
    [
      `${FAKE_HOME}/dumps/crm_prod-1121.dump`,
      dump('20261121T030000Z-postgres-crm_prod-ex01', 'pg-custom', 'none', '2026-11-21T03:00:00.000Z', 'archive-header', 3_400_000),
    ],
  ]);
}

/**
 * Adds the import to fake backups: paths of `files` (see fakeFiles), an import that lands in the
 * list marked external, a scan newest first, shell-like completion. `hold` keeps every import
 * running until it is cancelled (then nothing is added). `calls` records what was asked.
 */
export function withFakeImports<T extends BackupServices & { items: BackupItem[] }>(
  backups: T,
  options: { files?: Map<string, FakeEntry>; hold?: boolean } = {},
): T & { calls: string[] } {
  const files = options.files ?? fakeFiles();
  const calls: string[] = [];
  const expand = (p: string) => (p === '~' ? FAKE_HOME : p.startsWith('~/') ? `${FAKE_HOME}/${p.slice(2)}` : p).replace(/\/+$/, '') || '/';
  const children = (dir: string) => [...files.keys()].filter((k) => k !== dir && k.slice(0, k.lastIndexOf('/')) === (dir === '/' ? '' : dir));
  const abort = (signal?: AbortSignal) =>
    new Promise<never>((_resolve, reject) =>
      signal?.addEventListener('abort', () => {
        const err = new Error('import cancelled');
        err.name = 'AbortError';
        reject(err);
      }),
    );
  const self = Object.assign(backups, {
    calls,
    async importPaths(paths: string[], o: { signal?: AbortSignal } = {}): Promise<ImportedBackup[]> {
      calls.push(`import ${paths.join(' ')}`);
      const out: ImportedBackup[] = [];
      for (const typed of paths) {
        const path = expand(typed);
        const e = files.get(path);
        if (!e) throw new Error(`${typed} does not exist`);
        if (e.kind === 'refused') throw new Error(e.message);
        if (e.kind === 'folder') throw new Error(`${path} is not a pg_dump or mydumper folder`);
        const external: ExternalBackupView = {
          ...e.view,
          path,
          members: [],
          importedAt: new Date(NOW).toISOString(),
          copied: false,
          files: [{ path, bytes: e.bytes, sha256: 'ab'.repeat(32) }],
          changed: null,
        };
        const item = { ...backupItem(e.id, 0), startedAt: e.view.takenAt, finishedAt: e.view.takenAt, bytes: e.bytes, tables: 3, rows: null, external };
        out.push({ path: typed, item, existing: backups.items.some((b) => b.id === e.id) });
      }
      if (options.hold) await abort(o.signal);
      // All or none: added only once every path was read.
      for (const r of out) if (!r.existing) backups.items.push(r.item);
      return out;
    },
    async isFolder(path: string) {
      return files.get(expand(path))?.kind === 'folder';
    },
    async scanFolder(dir: string): Promise<FoundDump[]> {
      calls.push(`scan ${dir}`);
      const root = expand(dir);
      return [...files.entries()]
        .filter(([p, e]) => p.startsWith(`${root}/`) && e.kind === 'dump')
        .map(([path, e]) => {
          const d = e as Extract<FakeEntry, { kind: 'dump' }>;
          return {
            path,
            engine: d.view.engine,
            format: d.view.format,
            wrapper: null,
            compression: d.view.compression,
            database: 'crm_prod',
            modifiedAt: d.view.takenAt,
            bytes: d.bytes,
          };
        })
        .sort((a, b) => Date.parse(b.modifiedAt) - Date.parse(a.modifiedAt));
    },
    async completePath(prefix: string): Promise<PathCompletion> {
      calls.push(`complete ${prefix}`);
      if (prefix === '~') return { completed: '~/', candidates: [], more: 0 };
      const cut = prefix.lastIndexOf('/') + 1;
      const folderPart = prefix.slice(0, cut);
      const base = prefix.slice(cut);
      const folder = expand(folderPart || '/');
      const names = children(folder)
        .map((k) => k.slice(k.lastIndexOf('/') + 1) + (files.get(k)?.kind === 'folder' ? '/' : ''))
        .filter((n) => n.startsWith(base))
        .sort();
      if (names.length === 0) return { completed: prefix, candidates: [], more: 0 };
      if (names.length === 1) return { completed: folderPart + names[0], candidates: names, more: 0 };
      let common = names[0].replace(/\/$/, '');
      for (const n of names) while (!n.startsWith(common)) common = common.slice(0, -1);
      return { completed: folderPart + (common.length > base.length ? common : base), candidates: names, more: 0 };
    },
  });
  return self;
}

/** What the no-backup sources say for a loss (default: the binary log off, dead tuples on disk), and the losses asked about. */
export function fakeNoBackupSources(sources?: NoBackupSource[]): ((loss: NoBackupQuery) => Promise<NoBackupSource[]>) & { asked: NoBackupQuery[] } {
  const list = sources ?? [
    {
      ref: 'binlog',
      name: 'binary log',
      available: false,
      summary: 'not kept by this PostgreSQL server',
      reason: 'not kept by this PostgreSQL server: its source is the dead tuples',
    },
    {
      ref: 'dead-tuples',
      name: 'dead tuples',
      available: true,
      summary: '319 of contacts, 72 of notes still on disk (an estimate), autovacuum paused',
      reason: null,
    },
  ];
  const asked: NoBackupQuery[] = [];
  const fn = async (loss: NoBackupQuery) => {
    asked.push(loss);
    return list;
  };
  return Object.assign(fn, { asked });
}
