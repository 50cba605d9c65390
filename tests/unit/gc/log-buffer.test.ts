import { describe, expect, it } from "vitest";
import { HeadTailLog, TRUNCATION_MARKER } from "@/lib/gc/log-buffer";

describe("HeadTailLog", () => {
  it("keeps everything while it fits", () => {
    const log = new HeadTailLog(100, 100);
    for (const line of ["a", "b", "c"]) log.push(line);
    expect(log.text()).toBe("a\nb\nc\n");
  });

  it("keeps the head and the tail of a long run, and says how many lines it left out between them", () => {
    const log = new HeadTailLog(20, 80);
    log.push("── garbage-collect");
    for (let i = 0; i < 3078; i++) log.push(`app: marking blob ${i}`);
    log.push("7 blobs marked, 7 blobs eligible");
    log.push("blob eligible: last");
    const text = log.text();
    expect(text.startsWith("── garbage-collect\n")).toBe(true);
    expect(text.endsWith("7 blobs marked, 7 blobs eligible\nblob eligible: last\n")).toBe(true);
    expect(text).toContain(`${TRUNCATION_MARKER} … `);
    expect(text).toMatch(/\d+ lines omitted/);
    expect(text.length).toBeLessThan(20 + 80 + 60);
  });

  it("a single line longer than the tail keeps its end", () => {
    const log = new HeadTailLog(0, 10);
    log.push(`${"x".repeat(50)}END`);
    expect(log.text().endsWith("END\n")).toBe(true);
  });
});
