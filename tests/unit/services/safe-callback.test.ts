import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "@/lib/queries";

describe("safeCallbackUrl (where the login page sends people back to)", () => {
  it.each([
    ["/repositories/platform/api?sort=created", "/repositories/platform/api?sort=created"],
    ["/", "/"],
    [undefined, "/"],
    ["", "/"],
    ["https://evil.example/x", "/"],
    ["//evil.example/x", "/"],
    ["/\\evil.example", "/"],
    ["\\\\evil.example", "/"],
    ["/..//evil.example", "/"],
    ["javascript:alert(1)", "/"],
    ["/login", "/"],
    ["/setup", "/"],
    ["/ok\nLocation: x", "/"],
  ])("%s → %s", (input, expected) => {
    expect(safeCallbackUrl(input)).toBe(expected);
  });
});
