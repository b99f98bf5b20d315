import type { SchemaSnapshot } from '../dialect/model.js';
import type { CrmKnowledge, Flavour } from './flavour.js';
import { genericFlavour } from './flavours/generic.js';

/** Every flavour but generic, tried in turn; the highest score wins. */
const flavours: Flavour[] = [];

/** Detects the CRM flavour of a snapshot; falls back to generic when nothing scores. */
export function detectCrm(snapshot: SchemaSnapshot): CrmKnowledge {
  let best: { flavour: Flavour; detection: { score: number; evidence: string[] } } | undefined;
  for (const flavour of flavours) {
    const detection = flavour.detect(snapshot);
    if (detection.score > 0 && (!best || detection.score > best.detection.score)) best = { flavour, detection };
  }
  if (best && best.detection.score >= 0.5) return best.flavour.knowledge(snapshot, best.detection);
  return genericFlavour.knowledge(snapshot, { score: 0, evidence: ['no known CRM tables found'] });
}
