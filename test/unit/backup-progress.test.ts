import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from '../../src/progress/event.js';
import { createProgressReporter, formatEta, formatProgressLine, ndjsonReporter } from '../../src/progress/reporter.js';
import { ProgressTracker } from '../../src/progress/tracker.js';

describe('progress tracker', () => {
  it('counts items, measures the rate and weighs the ETA by item size', () => {
    let t = 0;
    const events: ProgressEvent[] = [];
    const tr = new ProgressTracker({
      operation: 'backup',
      items: [
        { key: 'big', weight: 900 },
        { key: 'small', weight: 100 },
      ],
      listener: (e) => events.push(e),
      now: () => t,
    });
    tr.phase('dump');
    tr.start('small');
    t = 1000;
    tr.setBytes(100);
    tr.finish('small');
    const e = events[events.length - 1];
    expect(e).toMatchObject({ operation: 'backup', phase: 'dump', done: 1, total: 2, bytes: 100, rate: 100 });
    // 10 % of the weight took 1 s: 9 s to go.
    expect(e.etaSeconds).toBe(9);
    tr.start('big');
    t = 2000;
    tr.partialFraction('big', 0.5);
    expect(tr.snapshot().etaSeconds).toBe(Math.round((2 * 0.45) / 0.55));
    tr.finish('big');
    expect(tr.snapshot()).toMatchObject({ done: 2, etaSeconds: 0 });
  });

  it('throttles byte updates but never phase changes', () => {
    let t = 0;
    const events: ProgressEvent[] = [];
    const tr = new ProgressTracker({ operation: 'x', items: [{ key: 'a', weight: 1 }], listener: (e) => events.push(e), now: () => t, throttleMs: 200 });
    for (let i = 0; i < 100; i++) tr.addBytes(1);
    expect(events.length).toBeLessThanOrEqual(1);
    tr.phase('hash');
    expect(events[events.length - 1].phase).toBe('hash');
    t = 500;
    tr.addBytes(1);
    expect(events[events.length - 1].bytes).toBe(101);
  });
});

describe('reporters', () => {
  const e: ProgressEvent = {
    operation: 'backup',
    phase: 'dump',
    table: 'public.accounts',
    done: 3,
    total: 10,
    bytes: 12_000_000,
    rate: 4_000_000,
    etaSeconds: 75,
  };

  it('writes NDJSON lines with --json', () => {
    const out = new PassThrough();
    const r = ndjsonReporter(out);
    r.listener(e);
    expect(JSON.parse(out.read().toString())).toEqual({ type: 'progress', ...e });
  });

  it('is silent when stderr is not a TTY and there is no --json', () => {
    const out = new PassThrough() as unknown as NodeJS.WriteStream;
    const r = createProgressReporter({ json: false, stream: out });
    r.listener(e);
    r.end();
    expect((out as unknown as PassThrough).read()).toBe(null);
  });

  it('draws a bar line that fits the width', () => {
    const line = formatProgressLine(e, 80);
    expect(line).toContain('3/10');
    expect(line).toContain('12 MB');
    expect(line).toContain('4.0 MB/s');
    expect(line).toContain('ETA 1:15');
    expect(line.length).toBeLessThan(80);
    expect(formatProgressLine(e, 30).length).toBeLessThan(30);
  });

  it('formats ETAs', () => {
    expect(formatEta(5)).toBe('0:05');
    expect(formatEta(3723)).toBe('1:02:03');
  });
});
