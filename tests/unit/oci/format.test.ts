// Counts and sizes as people read them: proper plurals, one unit system (SI, like Docker), exact bytes on hover.
import { describe, expect, it } from "vitest";
import { exactBytes, formatBytes, plural } from "../../../lib/oci/size";

describe("plural", () => {
  it("uses the singular only for exactly one, and groups thousands", () => {
    expect(plural(1, "file")).toBe("1 file");
    expect(plural(0, "file")).toBe("0 files");
    expect(plural(2950, "tag")).toBe("2,950 tags");
    expect(plural(1, "entry", "entries")).toBe("1 entry");
    expect(plural(3, "entry", "entries")).toBe("3 entries");
  });
});

describe("byte units", () => {
  it("formats in SI units and gives the exact count for the tooltip", () => {
    expect(formatBytes(4199668)).toBe("4.2 MB");
    expect(exactBytes(4199668)).toBe("4,199,668 bytes");
    expect(exactBytes(1)).toBe("1 byte");
  });
});
