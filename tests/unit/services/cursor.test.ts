import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { decodeCursor, encodeCursor, nextCursorFor } from "../../../lib/services/cursor";
import { createLimiter } from "../../../lib/services/limit";

describe("page cursors", () => {
  it("round-trips an offset", () => {
    expect(decodeCursor(encodeCursor(1234))).toBe(1234);
    expect(decodeCursor(undefined)).toBe(0);
  });

  it.each([
    "garbage",
    encodeCursor(-1).replace(/./, "x"),
    Buffer.from('{"o":-5}').toString("base64url"),
    Buffer.from('{"o":1.5}').toString("base64url"),
  ])("rejects a forged or broken cursor %s with a 400", (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(AppError);
  });

  it("has no next page at the end", () => {
    expect(nextCursorFor(0, 10, 10)).toBeNull();
    expect(decodeCursor(nextCursorFor(10, 10, 25) ?? "")).toBe(20);
  });
});

describe("createLimiter", () => {
  it("never runs more than its size at once", async () => {
    const limit = createLimiter(3);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limit(async () => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((r) => setTimeout(r, 2));
          active--;
        }),
      ),
    );
    expect(peak).toBe(3);
  });

  it("releases its slot when a task throws", async () => {
    const limit = createLimiter(1);
    await expect(limit(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(limit(async () => 42)).resolves.toBe(42);
  });
});
