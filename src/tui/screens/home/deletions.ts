import type { DeletionDay } from '../../services.js';

/** A day is a spike when it has at least 10 deletions and three times the median day. */
export function findSpikes(days: readonly DeletionDay[]): Set<string> {
  const counts = days.map((d) => d.deletions).sort((a, b) => a - b);
  const median = counts.length ? counts[Math.floor((counts.length - 1) / 2)] : 0;
  return new Set(days.filter((d) => d.deletions >= Math.max(10, 3 * median)).map((d) => d.day));
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `Wed`, for a `YYYY-MM-DD` day. */
export function weekday(day: string): string {
  return WEEKDAYS[new Date(`${day}T00:00:00Z`).getUTCDay()] ?? day;
}

/** `14 Nov`, for a `YYYY-MM-DD` day. */
export function shortDate(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? day : `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}`;
}

/** Home's two deletion lines: the summary (with the biggest spike) and one count per day. */
export function deletionLines(days: readonly DeletionDay[]): { summary: string; perDay: string; spike: boolean } {
  const total = days.reduce((s, d) => s + d.deletions, 0);
  const spikes = findSpikes(days);
  const perDay = days.map((d) => `${weekday(d.day)} ${d.deletions}${spikes.has(d.day) ? '!' : ''}`).join(' · ');
  if (total === 0) return { summary: `none in the last ${days.length} days`, perDay, spike: false };
  const worst = days.filter((d) => spikes.has(d.day)).sort((a, b) => b.deletions - a.deletions)[0];
  const where = worst?.topTables[0] ? ` (${worst.topTables[0].table} ${worst.topTables[0].count})` : '';
  const summary = `${total} rows in ${days.length} days${worst ? ` · spike ${shortDate(worst.day)}: ${worst.deletions} rows${where}` : ''}`;
  return { summary, perDay, spike: spikes.size > 0 };
}
