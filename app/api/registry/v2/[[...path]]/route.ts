import { z } from "zod";
import { AppError } from "@/lib/errors";
import { route } from "@/lib/http/route";
import { registryProxy } from "@/lib/services/registry-proxy";

export const dynamic = "force-dynamic";

// A read-only window on the registry API through the server's credentials.
const params = z.object({ path: z.array(z.string()).optional() });

const forward = (method: "GET" | "HEAD") =>
  route({ auth: "viewer", params }, ({ req, caller, params }) =>
    registryProxy(caller, {
      method,
      segments: params.path ?? [],
      rawPath: req.nextUrl.pathname,
      search: req.nextUrl.searchParams,
      accept: req.headers.get("accept"),
    }),
  );

export const GET = forward("GET");
export const HEAD = forward("HEAD");

const readOnly = route({ auth: "viewer" }, async () => {
  throw new AppError("method_not_allowed", "the registry proxy is read-only: only GET and HEAD are forwarded");
});
export const POST = readOnly;
export const PUT = readOnly;
export const PATCH = readOnly;
export const DELETE = readOnly;
export const OPTIONS = readOnly;
