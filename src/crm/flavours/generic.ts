import type { SchemaSnapshot } from '../../dialect/model.js';
import type { CrmKnowledge, Flavour, SoftDeleteMark, TableRef } from '../flavour.js';
import { findTable } from '../flavour.js';

/** Column names that commonly mark a soft delete, and what they mean. */
const COMMON_MARKS: { names: string[]; kind: SoftDeleteMark['kind'] }[] = [
  { names: ['deleted', 'is_deleted', 'isdeleted'], kind: 'flag' },
  { names: ['deleted_at', 'deletedat', 'deleted_on', 'date_deleted'], kind: 'timestamp' },
];

/** Recognises a common soft-delete column on any table. */
export function commonSoftDelete(snapshot: SchemaSnapshot, ref: TableRef): SoftDeleteMark | null {
  const table = findTable(snapshot, ref.name, ref.schema);
  if (!table) return null;
  for (const mark of COMMON_MARKS) {
    const col = table.columns.find((c) => mark.names.includes(c.name.toLowerCase()));
    if (col) return { column: col.name, kind: mark.kind, touches: [] };
  }
  return null;
}

/** Any schema: declared foreign keys only, common soft-delete columns. */
export const genericFlavour: Flavour = {
  id: 'generic',
  name: 'generic',
  detect: () => ({ score: 0, evidence: [] }),
  knowledge(snapshot, detection): CrmKnowledge {
    return {
      flavour: 'generic',
      name: 'generic (no known CRM)',
      confidence: 0,
      evidence: detection.evidence,
      entityTables: [],
      softDelete: (ref) => commonSoftDelete(snapshot, ref),
      impliedRelations: [],
      auditSources: [],
    };
  },
};
