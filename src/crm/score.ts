/** The result of a flavour's `detect`. */
export interface Detection {
  score: number;
  evidence: string[];
}

/** One thing a flavour looks for, and how much finding it counts. */
export interface Signal {
  /** Found in the snapshot? */
  ok: boolean;
  /** Added to the score when found; negative weights are penalties (a sign of another CRM). */
  weight: number;
  /** What was seen, for the user: "tables accounts, contacts, accounts_contacts". */
  evidence: string;
}

/**
 * Sums the weights of the signals found into a 0..1 score. Evidence lists what was found, and the
 * penalties that lowered the score ("but: …"), so a user can see why a flavour won or lost.
 */
export function scoreSignals(signals: Signal[]): Detection {
  const found = signals.filter((s) => s.ok);
  const raw = found.reduce((sum, s) => sum + s.weight, 0);
  const score = Math.round(Math.min(1, Math.max(0, raw)) * 100) / 100;
  const evidence = [...found.filter((s) => s.weight >= 0).map((s) => s.evidence), ...found.filter((s) => s.weight < 0).map((s) => `but: ${s.evidence}`)];
  return { score: found.some((s) => s.weight > 0) ? score : 0, evidence };
}

/** Nothing of this flavour was found. */
export const NOT_FOUND: Detection = { score: 0, evidence: [] };
