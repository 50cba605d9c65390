// Request bodies and input against the real route handlers (real Postgres): bodies are read as a stream up
// to their limit and only after the caller's credentials or secret passed; control characters are a 400
// that leaves an audit row (they used to reach Postgres and answer 500); setup is refused before any hashing.
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { configureEnv, freshDatabase, sessionAdmin } from "./helpers";
import { basic, bearer, callRoute, ROOT } from "./route-harness";
import { closeServices } from "./teardown";

// counts argon2 hashes (the real ones still run)
const hashes = vi.hoisted(() => ({ count: 0 }));
vi.mock("@/lib/auth/password", async (importOriginal) => {
  const original = await importOriginal<typeof import("@/lib/auth/password")>();
  return {
    ...original,
    hashPassword: (password: string) => {
      hashes.count++;
      return original.hashPassword(password);
    },
  };
});

const GC_SECRET = "hardening-gc-webhook-secret-0123";
const route = (p: string) => `${ROOT}/app/api${p}/route.ts`;
type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string | string[] | undefined>> }) => Promise<Response>;

let registry: RunningRegistry;
let admin: Record<string, string>;

/** An endless body that counts the bytes pulled from it (the way a chunked upload arrives: no length). */
function endlessBody(chunk: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulled += chunk;
        controller.enqueue(new Uint8Array(chunk).fill(0x20));
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled };
}

async function post(file: string, url: string, params: Record<string, string>, headers: Record<string, string>, body: ReadableStream) {
  const mod = (await import(/* @vite-ignore */ file)) as { POST: Handler };
  const req = new NextRequest(new URL(url, "http://localhost:3000"), {
    method: "POST",
    headers: { host: "localhost:3000", "content-type": "application/json", ...headers },
    body,
    duplex: "half",
  } as ConstructorParameters<typeof NextRequest>[1]);
  return mod.POST(req, { params: Promise.resolve(params) });
}

async function auditRows(action: string) {
  const { getDb } = await import("@/lib/db/client");
  return getDb().auditEvent.findMany({ where: { action }, orderBy: { id: "asc" } });
}

beforeAll(async () => {
  registry = await startRegistry();
  configureEnv({
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "hardening"),
    REGISTRY_URL: registry.url,
    AUTH_SECRET: "hardening-auth-secret-0123456789abcdef0123456789",
    GC_WEBHOOK_SECRET: GC_SECRET,
    LOG_LEVEL: "error",
  });
}, 120_000);

afterAll(() => closeServices({ registries: [registry] }));

describe("request bodies", () => {
  const callback = route("/v1/gc/callback/[id]");
  const id = "0b7e1c52-3a55-4c2e-9d55-2b8d8d1f5c11";
  const url = `/api/v1/gc/callback/${id}`;

  it("checks the GC callback's secret before reading a byte of its body", async () => {
    const attempts: Record<string, string>[] = [{}, { "X-Layerscope-Secret": "guessed" }];
    for (const headers of attempts) {
      const { stream, pulled } = endlessBody(1024 * 1024);
      const res = await post(callback, url, { id }, headers, stream);
      expect(res.status).toBe(401);
      expect(pulled()).toBe(0);
    }
  });

  it("stops reading a chunked GC callback at its limit plus one chunk and answers 413", async () => {
    const chunk = 1024 * 1024;
    const { stream, pulled } = endlessBody(chunk);
    const res = await post(callback, url, { id }, { "X-Layerscope-Secret": GC_SECRET }, stream);
    expect(res.status).toBe(413);
    expect(res.headers.get("connection")).toBe("close");
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    expect(pulled()).toBeLessThanOrEqual(16 * 1024 * 1024 + chunk);
  });

  it("stops reading a chunked body on a public route (setup) at 64 KiB plus one chunk", async () => {
    const { stream, pulled } = endlessBody(16 * 1024);
    const res = await post(route("/v1/setup"), "/api/v1/setup", {}, {}, stream);
    expect(res.status).toBe(413);
    expect(pulled()).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
  });

  it("stops reading a chunked Auth.js sign-in post at 64 KiB plus one chunk", async () => {
    const { stream, pulled } = endlessBody(16 * 1024);
    const res = await post(route("/auth/[...nextauth]"), "/api/auth/callback/credentials", { nextauth: "x" }, {}, stream);
    expect(res.status).toBe(413);
    expect(pulled()).toBeLessThanOrEqual(64 * 1024 + 16 * 1024);
  });

  it("accepts a GC callback's multi-line output, refuses a NUL in it", async () => {
    const send = (body: unknown) =>
      callRoute(callback, "POST", { url, params: { id }, headers: { "X-Layerscope-Secret": GC_SECRET }, body });
    // no run waits for this id: 404 means the body passed every check
    expect((await send({ exitCode: 0, output: "a/b\r\n\tmarking blob\n" })).status).toBe(404);
    const refused = await send({ exitCode: 0, output: "line\u0000" });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain("body.output");
  });
});

describe("first-run setup", () => {
  it("refuses a user name with control characters with 400 and an audit row", async () => {
    const res = await callRoute(route("/v1/setup"), "POST", {
      url: "/api/v1/setup",
      body: { username: "admin\u0000x", password: "long enough password" },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/body\.username: control characters/);
    expect((await auditRows("request.refused")).at(-1)).toMatchObject({
      result: "denied",
      actor: "anonymous",
      target: "POST /api/v1/setup",
    });
  });

  it("answers 409 once set up without hashing the password", async () => {
    const { createUser } = await import("@/lib/services/users");
    const { createToken } = await import("@/lib/services/tokens");
    const u = await createUser(
      SYSTEM,
      { username: "hardening-admin", password: "hardening admin password", role: "admin", grants: [] },
      null,
    );
    const caller = sessionAdmin(u);
    admin = bearer((await createToken(caller, { name: "hardening", expiresInDays: null }, null)).token);
    const before = hashes.count;
    for (let i = 0; i < 3; i++) {
      const res = await callRoute(route("/v1/setup"), "POST", {
        url: "/api/v1/setup",
        body: { username: `late${i}`, password: "another long password" },
      });
      expect(res.status).toBe(409);
    }
    expect(hashes.count).toBe(before);
  });
});

describe("control characters", () => {
  it("DELETE /storage/repositories with a NUL answers 400 naming the field, and is audited", async () => {
    const res = await callRoute(route("/v1/storage/repositories"), "DELETE", {
      url: "/api/v1/storage/repositories",
      headers: admin,
      body: { repository: "scratch/x\u0000", registryReadOnly: true },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "body.repository: control characters are not allowed (found U+0000)",
    );
    expect((await auditRows("request.refused")).at(-1)).toMatchObject({
      actor: "hardening-admin",
      target: "DELETE /api/v1/storage/repositories",
      result: "denied",
      details: { reason: "body.repository: control characters are not allowed (found U+0000)" },
    });
  });

  it("a token name with a NUL or a newline answers 400", async () => {
    for (const name of ["a\u0000b", "a\nb"]) {
      const res = await callRoute(route("/v1/me/tokens"), "POST", { url: "/api/v1/me/tokens", headers: admin, body: { name } });
      expect(res.status).toBe(400);
    }
  });

  it("query strings and path params with control characters answer 400, never 500", async () => {
    const query = await callRoute(route("/v1/namespaces"), "GET", { url: "/api/v1/namespaces?prefix=a%00", headers: admin });
    expect(query.status).toBe(400);
    expect(((await query.json()) as { error: { message: string } }).error.message).toContain("query.prefix");
    const params = await callRoute(route("/v1/repositories/[...path]"), "GET", {
      url: "/api/v1/repositories/x",
      params: { path: ["demo", "a\u0000", "tags"] },
      headers: admin,
    });
    expect(params.status).toBe(400);
  });

  it("a Basic sign-in with a NUL in the user name is a failed, audited, throttled sign-in (401), not a 500", async () => {
    const res = await callRoute(route("/v1/me"), "GET", { url: "/api/v1/me", headers: basic("admin\u0000x", "whatever password") });
    expect(res.status).toBe(401);
    expect((await auditRows("login")).at(-1)).toMatchObject({ actor: "admin\ufffdx", result: "failure" });
  });
});
