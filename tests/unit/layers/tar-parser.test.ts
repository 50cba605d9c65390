import { describe, expect, it } from "vitest";
import { LayerIndexError } from "../../../lib/layers/entries";
import { MAX_LONG_HEADER, TarFormatError, type TarHeader, TarParser } from "../../../lib/layers/tar-parser";
import { gzip, indexAll, makeTar } from "./fixtures";

type Raw = {
  name: string;
  /** typeflag character: "0" file, "5" dir, "L" GNU long name, "x" PAX… */
  flag?: string;
  size?: number;
  /** Raw bytes for the size field instead of an octal number (base-256, garbage). */
  sizeField?: Uint8Array;
  mode?: number;
  uid?: number;
  gid?: number;
  linkname?: string;
  prefix?: string;
  format?: "ustar" | "gnu" | "v7";
  /** Use the historic signed-char checksum. */
  signedChecksum?: boolean;
};

function octalField(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, "0")}\0`;
}

/** One hand-written 512-byte header with a valid checksum. */
function header(raw: Raw): Buffer {
  const b = Buffer.alloc(512);
  b.write(raw.name, 0, 100, "utf8");
  b.write(octalField(raw.mode ?? 0o644, 8), 100, "latin1");
  b.write(octalField(raw.uid ?? 0, 8), 108, "latin1");
  b.write(octalField(raw.gid ?? 0, 8), 116, "latin1");
  if (raw.sizeField) b.set(raw.sizeField, 124);
  else b.write(octalField(raw.size ?? 0, 12), 124, "latin1");
  b.write(octalField(0, 12), 136, "latin1");
  b.write(raw.flag ?? "0", 156, "latin1");
  if (raw.linkname) b.write(raw.linkname, 157, 100, "utf8");
  const format = raw.format ?? "ustar";
  if (format === "ustar") b.write("ustar\u000000", 257, "latin1");
  if (format === "gnu") b.write("ustar  \u0000", 257, "latin1");
  if (raw.prefix) b.write(raw.prefix, 345, 155, "utf8");
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of b) sum += raw.signedChecksum && byte >= 0x80 ? byte - 256 : byte;
  b.write(`${(sum >>> 0).toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  if (sum < 0) throw new Error("test helper: negative checksums are not written");
  return b;
}

const padded = (data: Uint8Array | string) => {
  const body = typeof data === "string" ? Buffer.from(data) : Buffer.from(data);
  return Buffer.concat([body, Buffer.alloc((512 - (body.byteLength % 512)) % 512)]);
};

function paxRecords(records: Record<string, string>): Buffer {
  let out = "";
  for (const [key, value] of Object.entries(records)) {
    const rest = ` ${key}=${value}\n`;
    let length = Buffer.byteLength(rest) + 1;
    while (String(length).length + Buffer.byteLength(rest) !== length) length++;
    out += `${length}${rest}`;
  }
  return Buffer.from(out);
}

const member = (raw: Raw, body: Uint8Array | string = "") => {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  return Buffer.concat([header({ ...raw, size: raw.size ?? bytes.byteLength }), padded(bytes)]);
};
const pax = (records: Record<string, string>, flag = "x") => {
  const data = paxRecords(records);
  return Buffer.concat([header({ name: "PaxHeader", flag, size: data.byteLength }), padded(data)]);
};
const END = Buffer.alloc(1024);

type Parsed = { header: TarHeader; body: string };

/** Runs the parser over `data` cut into `size`-byte chunks; returns members with their bodies. */
function parse(data: Uint8Array, size = data.byteLength || 1): Parsed[] {
  const out: Parsed[] = [];
  let body: Buffer[] = [];
  const parser = new TarParser({
    onHeader: (h) => {
      out.push({ header: h, body: "" });
      body = [];
    },
    onData: (chunk) => body.push(Buffer.from(chunk)),
    onEnd: () => {
      const last = out.at(-1);
      if (last) last.body = Buffer.concat(body).toString("latin1");
    },
  });
  for (let offset = 0; offset < data.byteLength; offset += size) parser.write(data.subarray(offset, offset + size));
  parser.end();
  return out;
}

function formatError(run: () => unknown): TarFormatError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(TarFormatError);
    return error as TarFormatError;
  }
  throw new Error("expected a TarFormatError");
}

/** A deterministic PRNG, so a failing fuzz case can be replayed. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("TarParser: formats", () => {
  const archive = Buffer.concat([
    member({ name: "dir/", flag: "5", mode: 0o755 }),
    member({ name: "file.txt", mode: 0o640, uid: 1000, gid: 100 }, "hello"),
    member({ name: "name.bin", prefix: "a/very/long/prefix" }, "p"),
    // GNU long name and long link target
    member({ name: "././@LongLink", flag: "L", format: "gnu" }, `${"g".repeat(150)}\0`),
    member({ name: "truncated-name", flag: "2", linkname: "short", format: "gnu" }),
    member({ name: "././@LongLink", flag: "K", format: "gnu" }, `${"t".repeat(200)}\0`),
    member({ name: "hard", flag: "1", linkname: "short", format: "gnu" }),
    // PAX: a per-entry record overrides path, linkpath, size, uid, gid
    pax({ path: `${"p".repeat(120)}/file`, uid: "3000000000", gid: "7" }),
    member({ name: "ignored", uid: 1 }, "pax body"),
    // v7: no magic, a trailing slash means directory
    member({ name: "old-dir/", format: "v7" }),
    member({ name: "old-file", format: "v7" }, "v7"),
    END,
  ]);

  const expected = [
    ["dir/", "directory", 0, 0o755, 0, 0, null, ""],
    ["file.txt", "file", 5, 0o640, 1000, 100, null, "hello"],
    ["a/very/long/prefix/name.bin", "file", 1, 0o644, 0, 0, null, "p"],
    ["g".repeat(150), "symlink", 0, 0o644, 0, 0, "short", ""],
    ["hard", "link", 0, 0o644, 0, 0, "t".repeat(200), ""],
    [`${"p".repeat(120)}/file`, "file", 8, 0o644, 3_000_000_000, 7, null, "pax body"],
    ["old-dir/", "directory", 0, 0o644, 0, 0, null, ""],
    ["old-file", "file", 2, 0o644, 0, 0, null, "v7"],
  ];
  const shape = (list: Parsed[]) => list.map(({ header: h, body }) => [h.name, h.type, h.size, h.mode, h.uid, h.gid, h.linkname, body]);

  it("reads ustar prefixes, GNU long names and link targets, PAX overrides and v7 headers", () => {
    expect(shape(parse(archive))).toEqual(expected);
  });

  it("gives the same members however the input is chunked, down to single bytes", () => {
    for (const size of [1, 7, 100, 511, 512, 513, 1000, 4096]) expect(shape(parse(archive, size))).toEqual(expected);
  });

  it("applies a global PAX header to every later member, a per-entry one overriding it", () => {
    const tar = Buffer.concat([
      pax({ uid: "4242", gid: "4343" }, "g"),
      member({ name: "a" }, "1"),
      pax({ uid: "1" }),
      member({ name: "b" }, "2"),
      member({ name: "c" }, "3"),
      END,
    ]);
    expect(parse(tar).map(({ header: h }) => [h.name, h.uid, h.gid])).toEqual([
      ["a", 4242, 4343],
      ["b", 1, 4343],
      ["c", 4242, 4343],
    ]);
  });

  it("takes the body length from a PAX size record, not the header's size field", () => {
    const tar = Buffer.concat([
      pax({ size: "600" }),
      header({ name: "big", size: 0 }),
      padded("z".repeat(600)),
      member({ name: "next" }, "n"),
      END,
    ]);
    expect(parse(tar).map(({ header: h, body }) => [h.name, h.size, body.length])).toEqual([
      ["big", 600, 600],
      ["next", 1, 1],
    ]);
  });

  it("gives header-only types (links, devices, directories, FIFOs) no body whatever their size says, like Go's archive/tar", () => {
    const tar = Buffer.concat([header({ name: "link", flag: "2", linkname: "x", size: 5000 }), member({ name: "after" }, "a"), END]);
    expect(parse(tar).map(({ header: h, body }) => [h.name, h.type, body])).toEqual([
      ["link", "symlink", ""],
      ["after", "file", "a"],
    ]);
  });

  it("reads base-256 sizes, accepts signed checksums, skips zero blocks, and types unknown flags as null", () => {
    const size = Buffer.alloc(12);
    size[0] = 0x80;
    size[11] = 3;
    const tar = Buffer.concat([
      header({ name: "b256", sizeField: size }),
      padded("abc"),
      END, // zero blocks in the middle are skipped (tar-stream and Go do the same)
      member({ name: "caf\u00e9-signed", signedChecksum: true }, "s"),
      member({ name: "sparse", flag: "S" }, "q"),
      END,
    ]);
    expect(parse(tar).map(({ header: h, body }) => [h.name, h.type, h.size, body])).toEqual([
      ["b256", "file", 3, "abc"],
      ["caf\u00e9-signed", "file", 1, "s"],
      ["sparse", null, 1, "q"],
    ]);
  });

  it("parses what tar-stream's pack writes, members and bodies", async () => {
    const tar = await makeTar([
      { name: "a/", type: "directory" },
      { name: "a/b.txt", content: "bee" },
      { name: `${"long/".repeat(40)}x`, content: "long" },
      { name: "s", type: "symlink", linkname: "a/b.txt" },
    ]);
    expect(parse(tar, 333).map(({ header: h, body }) => [h.name, h.type, body])).toEqual([
      ["a/", "directory", ""],
      ["a/b.txt", "file", "bee"],
      [`${"long/".repeat(40)}x`, "file", "long"],
      ["s", "symlink", ""],
    ]);
  });
});

describe("TarParser: hostile and damaged input", () => {
  const good = Buffer.concat([member({ name: "a" }, "x".repeat(700)), member({ name: "b" }, "y"), END]);

  it("rejects a header whose checksum fails, saying after how many members", () => {
    const bad = Buffer.from(good);
    bad[1536] = (bad[1536] ?? 0) ^ 0xff; // the second header's name
    const error = formatError(() => parse(bad));
    expect(error.reason).toBe("not_a_tar");
    expect(error.message).toBe("not a tar archive (after 1 entries): invalid tar header checksum");
  });

  it("reports truncation inside a body (with the name), a padding, a header and a PAX record", () => {
    const inBody = formatError(() => parse(good.subarray(0, 512 + 300)));
    expect([inBody.reason, inBody.message]).toEqual(["truncated", 'layer ends inside "a" after 300 of 700 bytes']);
    expect(formatError(() => parse(good.subarray(0, 512 + 800))).reason).toBe("truncated");
    expect(formatError(() => parse(good.subarray(0, 1536 + 100))).reason).toBe("truncated");
    const withPax = Buffer.concat([pax({ path: "p".repeat(300) }), member({ name: "x" })]);
    expect(formatError(() => parse(withPax.subarray(0, 600))).reason).toBe("truncated");
  });

  it("calls fewer than 512 bytes no tar at all", () => {
    const error = formatError(() => parse(Buffer.from("hello world")));
    expect([error.reason, error.message]).toEqual(["not_a_tar", "11 bytes are too short to be a tar archive"]);
  });

  it("rejects sizes that are not numbers, negative, or beyond 2^53", () => {
    const negative = Buffer.alloc(12, 0xff);
    const huge = Buffer.alloc(12, 0x7f);
    huge[0] = 0x80 | 0x7f;
    const garbage = Buffer.from("12x4\0\0\0\0\0\0\0\0");
    for (const sizeField of [negative, huge, garbage]) {
      const error = formatError(() => parse(Buffer.concat([header({ name: "f", sizeField }), END])));
      expect(error.reason).toBe("not_a_tar");
      expect(error.message).toContain('invalid size in the header of "f"');
    }
    for (const size of ["-1", "1e3", "99999999999999999999", ""]) {
      const error = formatError(() => parse(Buffer.concat([pax({ size }), member({ name: "f" }), END])));
      expect(error.reason).toBe("not_a_tar");
    }
  });

  it("takes a huge but valid size at its word and reports truncation when the data stops", () => {
    const tar = Buffer.concat([header({ name: "8GiB", size: 8 * 1024 ** 3 }), Buffer.alloc(4096, 1)]);
    const error = formatError(() => parse(tar, 1024));
    expect([error.reason, error.message]).toEqual(["truncated", `layer ends inside "8GiB" after 4096 of ${8 * 1024 ** 3} bytes`]);
  });

  it("refuses long-name and PAX records over the limit before buffering them", () => {
    const tar = Buffer.concat([header({ name: "././@LongLink", flag: "L", size: MAX_LONG_HEADER + 1, format: "gnu" })]);
    const error = formatError(() => parse(tar));
    expect(error.reason).toBe("not_a_tar");
    expect(error.message).toContain("long-name or PAX header of 1048577 bytes");
  });

  it("rejects malformed PAX records and ignores owner ids that are not whole numbers", () => {
    const badLength = Buffer.concat([header({ name: "P", flag: "x", size: 12 }), padded("99 path=abc\n"), member({ name: "f" }), END]);
    expect(formatError(() => parse(badLength)).reason).toBe("not_a_tar");
    const noEquals = Buffer.concat([header({ name: "P", flag: "x", size: 9 }), padded("9 pathab\n"), member({ name: "f" }), END]);
    expect(formatError(() => parse(noEquals)).reason).toBe("not_a_tar");
    const ids = parse(Buffer.concat([pax({ uid: "12x", gid: "-5" }), member({ name: "f", uid: 7, gid: 8 }), END]));
    expect(ids.map(({ header: h }) => [h.uid, h.gid])).toEqual([[7, 8]]);
  });

  it("survives fuzzing: flipped bytes and cuts give members or a TarFormatError, nothing else", async () => {
    const base = Buffer.concat([
      pax({ path: "pax/name", uid: "99" }, "g"),
      member({ name: "././@LongLink", flag: "L", format: "gnu" }, `${"n".repeat(130)}\0`),
      member({ name: "x", format: "gnu" }, "gnu body"),
      await makeTar([
        { name: "dir/", type: "directory" },
        { name: "dir/file", content: "z".repeat(1500) },
        { name: "dir/link", type: "link", linkname: "dir/file" },
      ]),
    ]);
    const random = prng(12);
    let failures = 0;
    for (let round = 0; round < 400; round++) {
      const data = Buffer.from(base);
      const flips = 1 + Math.floor(random() * 4);
      for (let i = 0; i < flips; i++) data[Math.floor(random() * data.byteLength)] = Math.floor(random() * 256);
      const cut = random() < 0.3 ? Math.floor(random() * data.byteLength) : data.byteLength;
      try {
        const members = parse(data.subarray(0, cut), 1 + Math.floor(random() * 2000));
        for (const { header: h, body } of members) expect(body.length).toBeLessThanOrEqual(Math.max(h.size, 0));
      } catch (error) {
        expect(error).toBeInstanceOf(TarFormatError);
        failures++;
      }
    }
    expect(failures).toBeGreaterThan(0); // the mutations did hit something
  });

  it("turns every fuzzed gzip layer into entries or a LayerIndexError through indexLayerStream", async () => {
    const tar = await makeTar(Array.from({ length: 40 }, (_, i) => ({ name: `d/${"x".repeat(i * 5)}${i}`, content: "c".repeat(i * 37) })));
    const random = prng(99);
    for (let round = 0; round < 60; round++) {
      const data = Buffer.from(tar);
      for (let i = 0; i < 3; i++) data[Math.floor(random() * data.byteLength)] = Math.floor(random() * 256);
      for (const blob of [data, gzip(data)]) {
        const result = await indexAll(blob).catch((e: unknown) => e);
        if (!(result instanceof LayerIndexError)) expect(result).toHaveProperty("entries");
      }
    }
  });
});

describe("indexLayerStream over the parser: what tar-stream got wrong", () => {
  it("applies a global PAX header's owner ids to later entries that have no PAX header of their own", async () => {
    const tar = Buffer.concat([pax({ uid: "4242", gid: "4343" }, "g"), member({ name: "a" }, "1"), END]);
    const { list } = await indexAll(gzip(tar));
    expect(list.map((e) => [e.path, e.uid, e.gid])).toEqual([["a", 4242, 4343]]);
  });

  it("does not swallow the next member as the body of a symlink whose size field is not 0", async () => {
    const tar = Buffer.concat([header({ name: "link", flag: "2", linkname: "x", size: 512 }), member({ name: "after" }, "a"), END]);
    const { list } = await indexAll(tar);
    expect(list.map((e) => [e.path, e.type])).toEqual([
      ["link", "symlink"],
      ["after", "file"],
    ]);
  });
});
