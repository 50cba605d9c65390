// A run's log, bounded: the head (how it started: hooks, the first repositories) and the tail (the summary, the
// eligible blobs, the error) are what people read; a dry run of a big registry prints thousands of "marking"
// lines between them. Pure: no I/O.

export const TRUNCATION_MARKER = "[log truncated]";

export class HeadTailLog {
  private head = "";
  private headFull = false;
  /** Lines after the head, oldest first; trimmed from the front to stay within tailChars. */
  private tail: string[] = [];
  private tailLength = 0;
  private omitted = 0;

  constructor(
    private readonly headChars = 64 * 1024,
    private readonly tailChars = 192 * 1024,
  ) {}

  push(line: string): void {
    const entry = `${line}\n`;
    if (!this.headFull) {
      if (this.head.length + entry.length <= this.headChars) {
        this.head += entry;
        return;
      }
      this.headFull = true;
    }
    // one absurdly long line keeps its end, not more than the tail holds
    const kept = entry.length > this.tailChars ? entry.slice(entry.length - this.tailChars) : entry;
    this.tail.push(kept);
    this.tailLength += kept.length;
    while (this.tailLength > this.tailChars && this.tail.length > 0) {
      this.tailLength -= (this.tail.shift() as string).length;
      this.omitted++;
    }
  }

  /** The head, a marker line saying how many lines were left out (when any were), and the tail. */
  text(): string {
    if (this.omitted === 0) return this.head + this.tail.join("");
    return `${this.head}${TRUNCATION_MARKER} … ${this.omitted} line${this.omitted === 1 ? "" : "s"} omitted …\n${this.tail.join("")}`;
  }
}
