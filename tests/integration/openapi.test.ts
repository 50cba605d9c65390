// The OpenAPI document is generated from the routes themselves: every /api/v1 route on disk is in it with exactly
// its methods, and its request schemas are the zod schemas the route parses with.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { configureEnv, freshDatabase } from "./helpers";
import { callRoute, discoverRoutes } from "./route-harness";

type Operation = {
  summary: string;
  security: unknown[];
  parameters: { name: string; in: string }[];
  requestBody?: { content: { "application/json": { schema: Record<string, unknown> } } };
  responses: Record<string, { content?: { "application/json": { schema: Record<string, unknown> } } }>;
  "x-layerscope-auth": string;
};
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>> };

const routes = discoverRoutes().filter((r) => r.route.startsWith("/api/v1/"));
const toPath = (route: string) => route.replace(/\[\[?(?:\.\.\.)?([^\]]+)\]\]?/g, "{$1}");
let doc: Doc;

beforeAll(async () => {
  configureEnv({ DATABASE_URL: await freshDatabase(inject("databaseUrl"), "openapi"), LOG_LEVEL: "error" });
  const file = routes.find((r) => r.route === "/api/v1/openapi.json")?.file as string;
  const res = await callRoute(file, "GET", { url: "/api/v1/openapi.json" });
  expect(res.status).toBe(200);
  doc = (await res.json()) as Doc;
}, 60_000);

describe("the OpenAPI document", () => {
  it("is OpenAPI 3.1", () => {
    expect(doc.openapi).toBe("3.1.0");
  });

  it("lists every /api/v1 route on disk with exactly its methods, and nothing else", () => {
    const onDisk = Object.fromEntries(routes.map((r) => [toPath(r.route), r.methods.map((m) => m.toLowerCase()).sort()]));
    const inDoc = Object.fromEntries(Object.entries(doc.paths).map(([p, ops]) => [p, Object.keys(ops).sort()]));
    expect(inDoc).toEqual(onDisk);
  });

  it("describes each request with the zod schemas the route parses with", async () => {
    for (const r of routes) {
      const mod = (await import(/* @vite-ignore */ r.file)) as Record<
        string,
        { spec?: { body?: z.ZodType; params?: z.ZodType; query?: z.ZodType } }
      >;
      for (const method of r.methods) {
        const spec = mod[method]?.spec;
        const op = doc.paths[toPath(r.route)]?.[method.toLowerCase()] as Operation;
        expect(spec, `${method} ${r.route} goes through route()`).toBeDefined();
        if (spec?.body) {
          const expected = z.toJSONSchema(spec.body, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
          delete expected.$schema;
          expect(op.requestBody?.content["application/json"].schema, `${method} ${r.route}`).toEqual(expected);
        } else {
          expect(op.requestBody, `${method} ${r.route}`).toBeUndefined();
        }
        const query = spec?.query
          ? Object.keys((z.toJSONSchema(spec.query, { io: "input", unrepresentable: "any" }).properties ?? {}) as object)
          : [];
        expect(
          op.parameters.filter((p) => p.in === "query").map((p) => p.name),
          `${method} ${r.route}`,
        ).toEqual(query);
        // every {name} of the path is a path parameter
        const names = [...toPath(r.route).matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
        expect(
          op.parameters
            .filter((p) => p.in === "path")
            .map((p) => p.name)
            .sort(),
          `${method} ${r.route}`,
        ).toEqual(names.sort());
        // a summary written for it (not the fallback), and the route's own auth
        expect(op.summary, `${method} ${r.route} needs an entry in lib/openapi/operations.ts`).not.toBe(`${method} ${toPath(r.route)}`);
      }
    }
  });

  it("describes answers with the API's response schemas", () => {
    const users = doc.paths["/api/v1/users"]?.get?.responses["200"]?.content?.["application/json"].schema as {
      properties?: Record<string, unknown>;
    };
    expect(Object.keys(users.properties ?? {})).toEqual(["items"]);
    expect(doc.paths["/api/v1/users"]?.get?.["x-layerscope-auth"]).toBe("admin");
    expect(doc.paths["/api/v1/health"]?.get?.security).toEqual([]);
  });
});
