import { describe, expect, it } from "vitest";
import { readBodyLimited, readJsonLimited, readStreamLimited } from "@/lib/http/body";

/** An endless stream of `chunk`-byte chunks that counts how many bytes were pulled from it. */
function endless(chunk: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled += chunk;
        controller.enqueue(new Uint8Array(chunk).fill(0x61));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

describe("readStreamLimited", () => {
  it("stops at the first chunk past the limit of an endless (chunked) body and answers 413", async () => {
    const { stream, pulled } = endless(1000);
    await expect(readStreamLimited(stream, 4500)).rejects.toMatchObject({ code: "payload_too_large", status: 413 });
    // the limit plus one chunk, not a byte more
    expect(pulled()).toBe(5000);
  });

  it("returns a body of exactly the limit", async () => {
    const chunks = [new Uint8Array(3).fill(1), new Uint8Array(2).fill(2)];
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    expect([...(await readStreamLimited(stream, 5))]).toEqual([1, 1, 1, 2, 2]);
  });
});

describe("readBodyLimited", () => {
  it("refuses a declared Content-Length over the limit without reading the body", async () => {
    const { stream, pulled } = endless(1000);
    const req = new Request("http://x/", {
      method: "POST",
      body: stream,
      headers: { "content-length": "100000" },
      duplex: "half",
    } as RequestInit);
    await expect(readBodyLimited(req, 1000)).rejects.toMatchObject({ status: 413 });
    expect(pulled()).toBe(0);
  });

  it("counts a chunked request body (no Content-Length) as it streams in", async () => {
    const { stream, pulled } = endless(4096);
    const req = new Request("http://x/", { method: "POST", body: stream, duplex: "half" } as RequestInit);
    expect(req.headers.get("content-length")).toBeNull();
    await expect(readBodyLimited(req, 64 * 1024)).rejects.toMatchObject({ status: 413 });
    expect(pulled()).toBeLessThanOrEqual(64 * 1024 + 2 * 4096);
  });

  it("reads a small body, and an empty one as {} for JSON", async () => {
    expect((await readBodyLimited(new Request("http://x/", { method: "POST", body: "hello" }), 5)).toString()).toBe("hello");
    expect(await readJsonLimited(new Request("http://x/", { method: "POST" }), 10)).toEqual({});
    expect(await readJsonLimited(new Request("http://x/", { method: "POST", body: '{"a":1}' }), 10)).toEqual({ a: 1 });
    await expect(readJsonLimited(new Request("http://x/", { method: "POST", body: "{" }), 10)).rejects.toMatchObject({ status: 400 });
  });
});
