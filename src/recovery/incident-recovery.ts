import { streamDeletionEvents, type AuditContext, type AuditSource, type RecoveryProvider } from '../audit/index.js';
import type { Incident, IncidentRecovery } from '../audit/model.js';
import { isoToMs, toMicroIso } from '../audit/time.js';
import type { Db } from '../connect/open.js';
import { internalNamespace } from '../dialect/namespaces.js';
import { appliedMerges, keyText, writtenKeys, type AppliedMerge } from '../merge/written-rows.js';

/** An incident's deleted rows read at most to find what came back (a bigger one is judged on these). */
const MAX_EVENTS = 200_000;

/**
 * Marks incidents whose deleted rows merges brought back. The rule: of the incident's deleted
 * rows that have a key (each key once), those that a merge still applied (not undone, not partly
 * undone), made after the incident began, inserted or updated; all of them → `recovered by
 * mrg_…`, some → `partly recovered by mrg_… (n of m rows)`, none → no mark. So undoing the merge
 * takes the mark away. The journal is read once; an incident's events are read only when an
 * applied merge after its start wrote one of its tables (most incidents cost nothing).
 */
export function recoveryProvider(db: Db, ctx: AuditContext, sources: AuditSource[]): RecoveryProvider {
  const d = db.dialect;
  const ns = internalNamespace(d.engine, db.target.database);
  let merges: Promise<AppliedMerge[]> | undefined;
  const keys = new Map<string, Promise<Map<string, Set<string>>>>();
  const keysOf = (id: string) => {
    let p = keys.get(id);
    if (!p) keys.set(id, (p = writtenKeys(db, d, ns, id)));
    return p;
  };
  // The mark is an extra: a journal that cannot be read leaves incidents unmarked, never unlisted.
  return (incident) => markOf(incident).catch(() => null);
  async function markOf(incident: Incident): Promise<IncidentRecovery | null> {
    merges ??= appliedMerges(db, d, ns);
    const start = toMicroIso(incident.window.start);
    const startStamp = start.slice(0, 19).replace(/[-:T]/g, '');
    const named = new Set(incident.tables.flatMap((t) => [`${t.schema}.${t.table}`, t.table]));
    const wrote = (label: string) => named.has(label) || named.has(label.slice(label.lastIndexOf('.') + 1));
    const candidates = (await merges).filter((m) => m.stamp >= startStamp && m.tables.some(wrote));
    if (candidates.length === 0) return null;
    const written = await Promise.all(candidates.map(async (m) => ({ id: m.id, keys: await keysOf(m.id) })));
    return recoveryOf(incident, written, streamDeletionEvents(db, ctx, sources, { filter: filterOf(incident), max: MAX_EVENTS, limit: 2000 }));
  }
}

/** The incident's own events: its window, its actor (an unknown one is matched after reading). */
function filterOf(i: Incident) {
  const actor = i.actors[0]?.id ?? null;
  return {
    since: i.window.start,
    until: new Date(isoToMs(i.window.end) + 1).toISOString(),
    ...(actor !== null && { user: actor }),
  };
}

/** Compares the incident's deleted keys with the rows each merge wrote back. */
export async function recoveryOf(
  incident: Incident,
  written: { id: string; keys: Map<string, Set<string>> }[],
  events: AsyncIterable<{ schema: string; table: string; key: Record<string, unknown>; actor: string | null }>,
): Promise<IncidentRecovery | null> {
  const actor = incident.actors[0]?.id ?? null;
  const tables = new Set(incident.tables.map((t) => `${t.schema}\u0000${t.table}`));
  const seen = new Set<string>();
  const by = new Set<string>();
  let back = 0;
  for await (const e of events) {
    if (!tables.has(`${e.schema}\u0000${e.table}`) || Object.keys(e.key).length === 0) continue;
    if (actor === null && e.actor !== null) continue;
    const key = keyText(e.key);
    const id = `${e.schema}\u0000${e.table}\u0000${key}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const merge = written.find((w) => hasKey(w.keys, e.schema, e.table, key));
    if (merge) {
      back++;
      by.add(merge.id);
    }
  }
  if (back === 0) return null;
  const mergeIds = [...by].sort();
  const extent = back === seen.size ? 'all' : 'some';
  const list = mergeIds.join(', ');
  return {
    extent,
    mergeIds,
    rows: back,
    of: seen.size,
    mark: extent === 'all' ? `recovered by ${list}` : `partly recovered by ${list} (${back} of ${seen.size} rows)`,
  };
}

/** The journal names live tables `schema.name`; an event without a schema matches by name. */
function hasKey(keys: Map<string, Set<string>>, schema: string, table: string, key: string): boolean {
  if (schema) return keys.get(`${schema}.${table}`)?.has(key) ?? false;
  for (const [label, set] of keys) if (label.slice(label.lastIndexOf('.') + 1) === table && set.has(key)) return true;
  return false;
}
