// Oversized request bodies against the real server, sent chunked (no Content-Length) over node:http,
// no browser: every body is counted as it arrives and refused at its limit (413), credentials and the GC
// callback's secret are checked before a body is read, and a flood of such uploads leaves memory flat.
import { readdirSync, readFileSync } from "node:fs";
import { request } from "node:http";
import { E2E } from "./accounts";
import { expect, test } from "./fixtures";

const port = Number(process.env.E2E_PORT ?? 3107);
const RUN_ID = "0b7e1c52-3a55-4c2e-9d55-2b8d8d1f5c11";
const KiB = 1024;
const MiB = 1024 * KiB;

type Upload = { status: number | null; sent: number; connection: string | null };

/**
 * POSTs a chunked body one chunk at a time, giving the server `settleMs` after each chunk to answer; stops at
 * the first answer or once `maxBytes` are sent (then ends the body and takes whatever answer comes).
 */
function paced(path: string, headers: Record<string, string>, chunk: number, maxBytes: number, settleMs = 150): Promise<Upload> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered: Upload | null = null;
    const req = request({ host: "127.0.0.1", port, method: "POST", path, headers: { ...headers, "transfer-encoding": "chunked" } });
    req.on("response", (res) => {
      answered = { status: res.statusCode ?? null, sent, connection: res.headers.connection ?? null };
      res.resume();
      resolve(answered);
      req.destroy();
    });
    req.on("error", (e) => {
      if (!answered) reject(e);
    });
    const data = Buffer.alloc(chunk, 0x20);
    const next = async () => {
      while (!answered && sent < maxBytes) {
        sent += chunk;
        if (!req.write(data)) await new Promise<void>((r) => req.once("drain", () => r()));
        await new Promise((r) => setTimeout(r, settleMs));
      }
      if (!answered) req.end();
    };
    next().catch(reject);
  });
}

/** An uploader that never waits for an answer: it pushes `total` bytes as fast as the server takes them. */
function flood(path: string, headers: Record<string, string>, total: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, method: "POST", path, headers: { ...headers, "transfer-encoding": "chunked" } });
    const finish = () => {
      clearTimeout(stall);
      req.destroy();
      resolve();
    };
    // a server that stopped reading (and has answered) leaves the upload stalled: give up like an attacker would
    let stall = setTimeout(finish, 2_000);
    req.on("error", finish);
    req.on("close", finish);
    req.on("response", (res) => res.resume());
    const data = Buffer.alloc(256 * KiB, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        sent += data.length;
        clearTimeout(stall);
        stall = setTimeout(finish, 2_000);
        if (!req.write(data)) {
          req.once("drain", pump);
          return;
        }
      }
      req.end();
    };
    pump();
  });
}

/** RSS of the Next.js server this run started: the node processes whose command names next and whose PORT is ours. */
function serverRssBytes(): number {
  let total = 0;
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (!/next/.test(cmdline) || /start\.ts|playwright/.test(cmdline)) continue;
      const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
      if (!environ.includes(`PORT=${port}`)) continue;
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
      if (rss?.[1]) total += Number(rss[1]) * KiB;
    } catch {
      // the process ended, or is not ours to read
    }
  }
  return total;
}

const json = { "content-type": "application/json" };
const form = { "content-type": "application/x-www-form-urlencoded" };
const gcSecret = { ...json, "x-layerscope-secret": E2E.secrets.GC_WEBHOOK_SECRET };

test("a chunked body over the limit of a public route (setup) is refused at the limit plus one chunk", async () => {
  const chunk = 16 * KiB;
  const r = await paced("/api/v1/setup", json, chunk, 4 * MiB);
  expect(r.status).toBe(413);
  // 64 KiB, plus the chunk that crossed it, plus at most one more in flight while the server answered
  expect(r.sent).toBeLessThanOrEqual(64 * KiB + 2 * chunk);
  expect(r.connection).toBe("close");
});

test("a chunked sign-in post over 64 KiB is refused at the limit plus one chunk", async () => {
  const chunk = 16 * KiB;
  const r = await paced("/api/auth/callback/credentials", form, chunk, 4 * MiB);
  expect(r.status).toBe(413);
  expect(r.sent).toBeLessThanOrEqual(64 * KiB + 2 * chunk);
});

test("the GC callback checks its secret before reading the body, and stops a chunked body at 16 MiB", async () => {
  const path = `/api/v1/gc/callback/${RUN_ID}`;
  for (const headers of [json, { ...json, "x-layerscope-secret": "guessed" }]) {
    const refused = await paced(path, headers, 256 * KiB, 4 * MiB);
    expect(refused.status).toBe(401);
    expect(refused.sent).toBeLessThanOrEqual(2 * 256 * KiB);
  }
  const chunk = MiB;
  const r = await paced(path, gcSecret, chunk, 40 * MiB, 250);
  expect(r.status).toBe(413);
  expect(r.sent).toBeLessThanOrEqual(16 * MiB + 2 * chunk);
});

test("the server's memory stays flat over 20 chunked floods of 16 MiB", async () => {
  test.setTimeout(120_000);
  expect(serverRssBytes(), "the server's process was not found under /proc").toBeGreaterThan(0);
  const targets: [string, Record<string, string>][] = [
    ["/api/v1/setup", json],
    [`/api/v1/gc/callback/${RUN_ID}`, json],
    ["/api/auth/callback/credentials", form],
  ];
  // warm up every route (compilation, caches) before taking the baseline
  await Promise.all(targets.map(([path, headers]) => flood(path, headers, MiB)));
  const before = serverRssBytes();
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, serverRssBytes());
  }, 50);
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => {
      const [path, headers] = targets[i % targets.length] as [string, Record<string, string>];
      return flood(path, headers, 16 * MiB);
    }),
  );
  clearInterval(sampler);
  peak = Math.max(peak, serverRssBytes());
  // 20 × 16 MiB = 320 MiB were offered; buffering even a fifth of it would show
  expect(peak - before, `RSS ${Math.round(before / MiB)} → peak ${Math.round(peak / MiB)} MiB`).toBeLessThan(64 * MiB);
  // and the server still answers
  expect((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).ok).toBe(true);
});
