// The OpenAPI 3.1 document of /api/v1, built from the routes themselves: each route() handler carries its spec
// (auth, params, query and body zod schemas), converted with zod 4's z.toJSONSchema; answers come from
// OPERATIONS. Nothing here is written twice: a schema changed in a route changes the document.
import { z } from "zod";
import { apiError } from "../contract/common";
import type { RouteAuth, RouteSpec } from "../http/route";
import { OPERATIONS } from "./operations";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** A route module as Next loads it: method exports made by route(), which carry `.spec`. */
export type RouteModule = Partial<Record<HttpMethod, unknown>>;

/** `app/api/v1/users/[id]` → `/api/v1/users/{id}`; `[...path]` and `[[...path]]` → `{path}`. */
export function openApiPath(route: string): string {
  return route.replace(/\[\[?(?:\.\.\.)?([^\]]+)\]\]?/g, "{$1}");
}

type JsonSchema = Record<string, unknown>;

function toSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const out = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  delete out.$schema;
  return out;
}

/** Path or query parameters from an object schema's properties. */
function parameters(schema: z.ZodType | undefined, where: "path" | "query", catchAll: Set<string>): unknown[] {
  if (!schema) return [];
  const json = toSchema(schema, "input");
  const props = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(props).map(([name, s]) => {
    const many = catchAll.has(name);
    return {
      name,
      in: where,
      required: where === "path" || required.has(name),
      // a catch-all's segments arrive as one slash-separated path value
      schema: many ? { type: "string" } : s,
      ...(many ? { description: "one or more path segments separated by /", allowReserved: true } : {}),
      ...(typeof s.description === "string" && !many ? { description: s.description } : {}),
    };
  });
}

const SECURITY: Record<RouteAuth, unknown[]> = {
  public: [],
  webhook: [{ webhookSecret: [] }],
  "gc-webhook": [{ gcCallbackSecret: [] }],
  viewer: [{ apiToken: [] }, { basic: [] }, { session: [] }, {}],
  user: [{ apiToken: [] }, { basic: [] }, { session: [] }],
  editor: [{ apiToken: [] }, { basic: [] }, { session: [] }],
  admin: [{ apiToken: [] }, { basic: [] }, { session: [] }],
};

const ROLE_NOTE: Record<RouteAuth, string> = {
  public: "No sign-in needed.",
  webhook: "The registry's notifications, with the shared secret.",
  "gc-webhook": "The GC operator's callback, with GC_WEBHOOK_SECRET.",
  viewer: "Any signed-in user (and anonymous readers when LAYERSCOPE_ANONYMOUS_READ is on).",
  user: "A signed-in user, for their own account.",
  editor: "Editor role (or an editor grant) or above.",
  admin: "Admin role.",
};

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
});

/** The document for the given routes (route pattern as on disk, e.g. `/api/v1/users/[id]`, → its module). */
export function buildOpenApiDocument(routes: Record<string, RouteModule>, version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [route, mod] of Object.entries(routes).sort(([a], [b]) => a.localeCompare(b))) {
    const catchAll = new Set([...route.matchAll(/\[\[?\.\.\.([^\]]+)\]\]?/g)].map((m) => m[1] as string));
    const path = openApiPath(route);
    for (const method of HTTP_METHODS) {
      const handler = mod[method] as { spec?: RouteSpec } | undefined;
      if (!handler) continue;
      const spec: RouteSpec = handler.spec ?? { auth: "public" };
      const info = OPERATIONS[`${method} ${path}`];
      const status = String(info?.status ?? 200);
      const success =
        status === "204"
          ? { description: "Done (no content)" }
          : {
              description: "Success",
              content: { "application/json": { schema: info?.response ? toSchema(info.response, "output") : {} } },
            };
      const responses: Record<string, unknown> = { [status]: success, "400": errorResponse("Invalid input") };
      if (spec.auth !== "public") {
        responses["401"] = errorResponse("Not signed in, or a wrong secret");
        responses["403"] = errorResponse("Signed in without the role this needs");
      }
      responses.default = errorResponse("Any other error: { error: { code, message } }");
      const operation: Record<string, unknown> = {
        operationId: `${method.toLowerCase()}${path.replace(/[{}]/g, "").replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
        summary: info?.summary ?? `${method} ${path}`,
        description: [info?.description, ROLE_NOTE[spec.auth]].filter(Boolean).join("\n\n"),
        tags: [info?.tag ?? "Other"],
        "x-layerscope-auth": spec.auth,
        security: SECURITY[spec.auth],
        parameters: [...parameters(spec.params, "path", catchAll), ...parameters(spec.query, "query", catchAll)],
        responses,
      };
      if (spec.body) {
        operation.requestBody = { required: true, content: { "application/json": { schema: toSchema(spec.body, "input") } } };
      }
      paths[path] ??= {};
      (paths[path] as Record<string, unknown>)[method.toLowerCase()] = operation;
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Layerscope API",
      version,
      description:
        "The JSON API behind Layerscope's pages. Authenticate with an API token (`Authorization: Bearer lsc_…`, made on " +
        "your profile page), HTTP Basic with your user name and password, or the browser session. Errors are " +
        '`{ "error": { "code", "message" } }` with the matching HTTP status.',
    },
    servers: [{ url: "/" }],
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    paths,
    components: {
      schemas: { Error: toSchema(apiError, "output") },
      securitySchemes: {
        apiToken: { type: "http", scheme: "bearer", description: "An API token (lsc_…)" },
        basic: { type: "http", scheme: "basic", description: "User name and password" },
        session: { type: "apiKey", in: "cookie", name: "layerscope.session-token", description: "The browser session" },
        webhookSecret: { type: "http", scheme: "bearer", description: "LAYERSCOPE_WEBHOOK_SECRET" },
        gcCallbackSecret: { type: "apiKey", in: "header", name: "X-Layerscope-Secret", description: "GC_WEBHOOK_SECRET" },
      },
    },
  };
}
