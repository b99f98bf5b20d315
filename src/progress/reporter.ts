import { formatBytes, truncate } from '../util/format.js';
import type { ProgressEvent, ProgressListener } from './event.js';

/** Shows progress events somewhere; `end()` clears what needs clearing. */
export interface ProgressReporter {
  readonly listener: ProgressListener;
  end(): void;
}

/** Where and how to report. */
export interface ReporterOptions {
  /** `--json`: one NDJSON line per event on the stream. */
  json: boolean;
  /** Default process.stderr. */
  stream?: NodeJS.WriteStream;
}

/**
 * Picks the reporter DESIGN.md asks for: NDJSON on stderr with --json, a bar when stderr is a
 * TTY, silence otherwise (cron mails stay clean).
 */
export function createProgressReporter(options: ReporterOptions): ProgressReporter {
  const stream = options.stream ?? process.stderr;
  if (options.json) return ndjsonReporter(stream);
  if (stream.isTTY) return barReporter(stream);
  return { listener: () => undefined, end: () => undefined };
}

/** `{"type":"progress",…}` lines. */
export function ndjsonReporter(stream: NodeJS.WritableStream): ProgressReporter {
  return {
    listener: (e) => stream.write(`${JSON.stringify({ type: 'progress', ...e })}\n`),
    end: () => undefined,
  };
}

/** One line redrawn in place: `[#####-----] 12/40 tables · 123 MB · 45 MB/s · ETA 0:32 · accounts`. */
export function barReporter(stream: NodeJS.WriteStream): ProgressReporter {
  let drawn = false;
  let last = 0;
  return {
    listener: (e) => {
      const now = performance.now();
      if (now - last < 100 && e.done < e.total) return;
      last = now;
      stream.write(`\r\x1b[K${formatProgressLine(e, stream.columns || 80)}`);
      drawn = true;
    },
    end: () => {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}

/** The bar line, fitted to a width. */
export function formatProgressLine(e: ProgressEvent, width: number): string {
  const barWidth = Math.max(10, Math.min(30, width - 60));
  const frac = e.total > 0 ? Math.min(1, e.done / e.total) : 0;
  const filled = Math.round(frac * barWidth);
  const parts = [
    `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`,
    `${e.phase} ${e.done}/${e.total}`,
    formatBytes(e.bytes),
    `${formatBytes(e.rate)}/s`,
    e.etaSeconds === null ? 'ETA ?' : `ETA ${formatEta(e.etaSeconds)}`,
    ...(e.table ? [e.table] : []),
  ];
  const line = parts.join(' · ');
  return truncate(line, width - 1);
}

/** 0:32, 12:05, 1:02:03. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}
