// Calls the app's route handlers in-process, as Next.js would: a NextRequest and the dynamic
// params of the file's [segments]. Shared by the role-matrix and auth tests.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { NextRequest } from "next/server";
import { encode } from "next-auth/jwt";

export const ROOT = path.resolve(__dirname, "../..");
export const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type Method = (typeof METHODS)[number];

export type RouteFile = { file: string; route: string; methods: Method[] };

/** Every app/api route file and the HTTP methods it exports, read from the filesystem. */
export function discoverRoutes(): RouteFile[] {
  const out: RouteFile[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const p = path.join(dir, entry);
      if (statSync(p).isDirectory()) visit(p);
      else if (entry === "route.ts") {
        const source = readFileSync(p, "utf8");
        const methods = METHODS.filter((m) =>
          new RegExp(`export (const|async function|function) ${m}\\b|export \\{[^}]*\\b${m}\\b`).test(source),
        );
        out.push({ file: p, route: `/${path.relative(path.join(ROOT, "app"), path.dirname(p)).split(path.sep).join("/")}`, methods });
      }
    }
  };
  visit(path.join(ROOT, "app/api"));
  return out.sort((a, b) => a.route.localeCompare(b.route));
}

/** Files that declare server actions ("use server"): each must be covered like a route. */
export function discoverServerActions(): string[] {
  const out: string[] = [];
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      if (entry === "node_modules" || entry === "generated") continue;
      const p = path.join(dir, entry);
      if (statSync(p).isDirectory()) visit(p);
      else if (/\.(ts|tsx)$/.test(entry) && /^\s*["']use server["']/m.test(readFileSync(p, "utf8"))) out.push(path.relative(ROOT, p));
    }
  };
  for (const d of ["app", "components", "lib"]) visit(path.join(ROOT, d));
  return out;
}

type Handler = (req: NextRequest, ctx: { params: Promise<Record<string, string | string[] | undefined>> }) => Promise<Response>;

export type CallInit = {
  /** the URL path with concrete values, e.g. /api/v1/users/1 */
  url: string;
  params?: Record<string, string | string[] | undefined>;
  headers?: Record<string, string>;
  body?: unknown;
};

export async function callRoute(file: string, method: Method, init: CallInit): Promise<Response> {
  const mod = (await import(/* @vite-ignore */ file)) as Partial<Record<Method, Handler>>;
  const handler = mod[method];
  if (!handler) throw new Error(`${file} does not export ${method}`);
  const headers: Record<string, string> = { host: "localhost:3000", ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined && method !== "GET" && method !== "HEAD") {
    body = typeof init.body === "string" ? init.body : JSON.stringify(init.body);
    headers["content-type"] ??= "application/json";
  }
  const req = new NextRequest(new URL(init.url, "http://localhost:3000"), { method, headers, body });
  return handler(req, { params: Promise.resolve(init.params ?? {}) });
}

export function basic(username: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}` };
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

/** A session cookie exactly as Auth.js writes it after a sign-in. */
export async function sessionCookie(secret: string, claims: { uid: number; sv: number }): Promise<Record<string, string>> {
  const name = "layerscope.session-token";
  const value = await encode({ token: { ...claims, sub: String(claims.uid) }, secret, salt: name, maxAge: 3600 });
  return { cookie: `${name}=${value}` };
}
