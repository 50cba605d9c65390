import { describe, expect, it, vi } from "vitest";
import { createAdaptiveLimiter } from "@/lib/services/limit";

describe("createAdaptiveLimiter", () => {
  it("widens by one per full window of answers that keep their latency", () => {
    const l = createAdaptiveLimiter({ initial: 4, min: 1, max: 6 });
    for (let i = 0; i < 4; i++) l.observe(200, 10);
    expect(l.current()).toBe(5);
    for (let i = 0; i < 100; i++) l.observe(200, 10);
    expect(l.current()).toBe(6);
  });

  it("halves on 429, 503 or no answer, once per burst, never below the minimum", () => {
    vi.useFakeTimers();
    try {
      const l = createAdaptiveLimiter({ initial: 16, min: 2, max: 32 });
      l.observe(503, 5);
      l.observe(503, 5); // the same burst
      expect(l.current()).toBe(8);
      vi.advanceTimersByTime(300);
      l.observe(429, 5);
      expect(l.current()).toBe(4);
      vi.advanceTimersByTime(300);
      l.observe(null, 5);
      vi.advanceTimersByTime(300);
      l.observe(null, 5);
      expect(l.current()).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it("narrows when latency climbs past three times the best seen", () => {
    vi.useFakeTimers();
    try {
      const l = createAdaptiveLimiter({ initial: 8, min: 1, max: 8 });
      for (let i = 0; i < 20; i++) l.observe(200, 10);
      for (let i = 0; i < 20; i++) {
        vi.advanceTimersByTime(300);
        l.observe(200, 200);
      }
      expect(l.current()).toBeLessThan(8);
    } finally {
      vi.useRealTimers();
    }
  });

  it("never runs more tasks at once than its current width", async () => {
    const l = createAdaptiveLimiter({ initial: 3, min: 1, max: 3 });
    let running = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 30 }, () =>
        l.limit(async () => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 2));
          running--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});
