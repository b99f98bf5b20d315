import { deletionEvents } from './events.js';
import type { AuditSource, SourceDefinition } from './source.js';
import { timeline } from './timeline.js';

/** Completes a source module: listing and timeline come from its streams. */
export function defineSource(def: SourceDefinition): AuditSource {
  const source: AuditSource = {
    ...def,
    events: (db, ctx, filter, cursor, limit) => deletionEvents(db, ctx, [source], { filter, cursor, limit }),
    timeline: (db, ctx, range, bucket) => timeline(db, ctx, [source], range, bucket),
  };
  return source;
}
