import { describe, expect, it } from "vitest";
import { findControlCharacter } from "@/lib/http/input";

describe("findControlCharacter", () => {
  it("finds NUL and other C0/DEL controls anywhere in the input, naming the field", () => {
    expect(findControlCharacter({ repository: "scratch/x\u0000" }, "body")).toEqual({ field: "body.repository", character: "U+0000" });
    expect(findControlCharacter({ name: "a\u0000b" }, "body")?.field).toBe("body.name");
    expect(findControlCharacter({ a: { b: ["ok", "x\u007f"] } }, "body")).toEqual({ field: "body.a.b.1", character: "U+007F" });
    expect(findControlCharacter({ path: ["demo", "a\u001bb"] }, "params")?.field).toBe("params.path.1");
    expect(findControlCharacter({ "k\u0000": 1 }, "body")).toEqual({ field: "body.k\\u0000", character: "U+0000" });
  });

  it("refuses tab and newline in names, allows them (but not NUL) in declared free-text fields", () => {
    expect(findControlCharacter({ username: "admin\n" }, "body")?.character).toBe("U+000A");
    expect(findControlCharacter({ username: "a\tb" }, "body")?.character).toBe("U+0009");
    const text = new Set(["output"]);
    expect(findControlCharacter({ output: "line 1\r\nline\t2\n" }, "body", text)).toBeNull();
    expect(findControlCharacter({ output: "line\u0000" }, "body", text)?.field).toBe("body.output");
    expect(findControlCharacter({ other: "a\nb" }, "body", text)?.field).toBe("body.other");
  });

  it("passes ordinary input, including non-ASCII text", () => {
    expect(findControlCharacter({ name: "Zoë — café ü 日本", n: 1, ok: true, nothing: null, list: ["a", "b"] }, "body")).toBeNull();
    expect(findControlCharacter(undefined, "body")).toBeNull();
  });

  it("walks a deeply nested body without overflowing the stack", () => {
    let deep: unknown = "x\u0000";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(findControlCharacter(deep, "body")?.character).toBe("U+0000");
  });
});
