/** Keeps the last lines a child wrote to stderr, and hands every complete line to a listener. */
export class StderrTail {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly max = 20,
    private readonly keep: (line: string) => boolean = () => true,
    private readonly onLine?: (line: string) => void,
  ) {}

  /** Feeds a chunk of stderr. */
  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split('\n');
    this.partial = parts.pop() ?? '';
    // A line longer than 4 kB is noise (a dumped row), not a message.
    if (this.partial.length > 4096) this.partial = this.partial.slice(-4096);
    for (const line of parts) this.add(line);
  }

  /** Flushes an unterminated last line. */
  end(): void {
    if (this.partial) this.add(this.partial);
    this.partial = '';
  }

  /** The kept lines, newline-separated. */
  text(): string {
    return this.lines.join('\n');
  }

  private add(raw: string): void {
    const line = raw.replace(/\r$/, '');
    this.onLine?.(line);
    if (!line.trim() || !this.keep(line)) return;
    this.lines.push(line.length > 500 ? `${line.slice(0, 500)}…` : line);
    if (this.lines.length > this.max) this.lines.shift();
  }
}
