import type { SchemaSnapshot } from '../dialect/model.js';
import type { CrmKnowledge, Flavour, FlavourId } from './flavour.js';
import { demoFlavour } from './flavours/demo.js';
import { dolibarrFlavour } from './flavours/dolibarr.js';
import { espocrmFlavour } from './flavours/espocrm.js';
import { genericFlavour } from './flavours/generic.js';
import { odooFlavour } from './flavours/odoo.js';
import { suitecrmFlavour } from './flavours/suitecrm.js';
import { twentyFlavour } from './flavours/twenty.js';
import { vtigerFlavour } from './flavours/vtiger.js';

/**
 * Every flavour but generic, tried in turn; the highest score wins. On a tie the earlier one wins:
 * demo comes before SuiteCRM because the demo CRM is SuiteCRM-shaped.
 */
const flavours: Flavour[] = [demoFlavour, suitecrmFlavour, vtigerFlavour, espocrmFlavour, dolibarrFlavour, odooFlavour, twentyFlavour];

/** The lowest score that counts as a detection. */
export const DETECTION_THRESHOLD = 0.5;

/** Every flavour module, generic last. */
export function allFlavours(): Flavour[] {
  return [...flavours, genericFlavour];
}

/** A flavour by id (for `--crm` style overrides and tests). */
export function flavourById(id: FlavourId): Flavour {
  return allFlavours().find((f) => f.id === id)!;
}

/** Every flavour's score for a snapshot, best first: why one flavour won over another. */
export function scoreFlavours(snapshot: SchemaSnapshot): { id: FlavourId; name: string; score: number; evidence: string[] }[] {
  return flavours.map((f) => ({ id: f.id, name: f.name, ...f.detect(snapshot) })).sort((a, b) => b.score - a.score);
}

/** Detects the CRM flavour of a snapshot; falls back to generic when nothing scores. */
export function detectCrm(snapshot: SchemaSnapshot): CrmKnowledge {
  let best: { flavour: Flavour; detection: { score: number; evidence: string[] } } | undefined;
  for (const flavour of flavours) {
    const detection = flavour.detect(snapshot);
    if (detection.score > 0 && (!best || detection.score > best.detection.score)) best = { flavour, detection };
  }
  if (best && best.detection.score >= DETECTION_THRESHOLD) return best.flavour.knowledge(snapshot, best.detection);
  const evidence = best
    ? [`best guess ${best.flavour.name} scored only ${best.detection.score}: ${best.detection.evidence.join('; ')}`]
    : ['no known CRM tables found'];
  return genericFlavour.knowledge(snapshot, { score: 0, evidence });
}
