/**
 * mysqldump's `-- Dump completed on 2026-11-30  2:00:01` and mydumper's `Started dump at:` are the
 * dumping machine's local time, without a zone. They are read in this machine's zone: a dump is
 * usually made by cron on the server crm-rescue runs beside, in the same zone. (A file's mtime
 * cannot tell the zone: a copied or downloaded dump has the copy's time.) The source of the time
 * is recorded with it ('dump-completed', 'mydumper-metadata'), so a reader knows what it rests on.
 */
export function localDumpTime([y, mo, d, h, mi, s]: number[]): string | null {
  const t = new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(t.getTime()) ? null : t.toISOString();
}

/** `YYYY-MM-DD HH:MM:SS` (hour possibly one digit) somewhere in `text` after `label`, as localDumpTime reads it. */
export function dumpTimeAfter(text: string, label: string): string | null {
  const at = text.indexOf(label);
  if (at < 0) return null;
  const m = /(\d{4})-(\d{2})-(\d{2})\s+(\d{1,2}):(\d{2}):(\d{2})/.exec(text.slice(at + label.length, at + label.length + 40));
  return m ? localDumpTime(m.slice(1, 7).map(Number)) : null;
}
