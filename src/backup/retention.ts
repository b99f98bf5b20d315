/** How many backups to keep, restic/borg style: each rule keeps the newest backup of each of its last N buckets. */
export interface RetentionPolicy {
  /** The newest N backups. */
  keepLast?: number;
  /** The newest backup of each of the last N days that have one (UTC days). */
  keepDaily?: number;
  /** … of each of the last N ISO weeks that have one. */
  keepWeekly?: number;
  /** … of each of the last N months that have one. */
  keepMonthly?: number;
}

/** A backup as retention sees it. */
export interface RetentionCandidate {
  id: string;
  /** ISO time the backup started. */
  startedAt: string;
}

/** Keep or remove, and why. */
export interface RetentionDecision {
  id: string;
  keep: boolean;
  /** The rules that keep it: `last`, `daily 2026-11-21`, `weekly 2026-W47`, `monthly 2026-11`, `newest`. */
  reasons: string[];
}

/** True when the policy keeps anything at all. */
export function hasPolicy(p: RetentionPolicy): boolean {
  return [p.keepLast, p.keepDaily, p.keepWeekly, p.keepMonthly].some((n) => (n ?? 0) > 0);
}

/**
 * Applies a policy to usable backups of one target. Rules are independent: a backup is kept
 * when any rule keeps it. The newest backup is always kept, whatever the policy says.
 */
export function selectRetention(backups: RetentionCandidate[], policy: RetentionPolicy): RetentionDecision[] {
  const sorted = [...backups].sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? 1 : -1));
  const reasons = new Map<string, string[]>(sorted.map((b) => [b.id, []]));
  const rules: [string, number | undefined, (d: Date) => string][] = [
    ['last', policy.keepLast, (d) => d.toISOString()],
    ['daily', policy.keepDaily, (d) => d.toISOString().slice(0, 10)],
    ['weekly', policy.keepWeekly, isoWeek],
    ['monthly', policy.keepMonthly, (d) => d.toISOString().slice(0, 7)],
  ];
  for (const [name, n, bucketOf] of rules) {
    if (!n || n <= 0) continue;
    let kept = 0;
    let lastBucket: string | null = null;
    for (const b of sorted) {
      if (kept >= n) break;
      const bucket = name === 'last' ? b.id : bucketOf(new Date(b.startedAt));
      if (bucket === lastBucket) continue;
      lastBucket = bucket;
      kept++;
      reasons.get(b.id)!.push(name === 'last' ? 'last' : `${name} ${bucket}`);
    }
  }
  if (sorted.length) {
    const newest = reasons.get(sorted[0].id)!;
    if (newest.length === 0) newest.push('newest');
  }
  return sorted.map((b) => ({ id: b.id, keep: reasons.get(b.id)!.length > 0, reasons: reasons.get(b.id)! }));
}

/** ISO 8601 week of a date (UTC): `2026-W47`. */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
