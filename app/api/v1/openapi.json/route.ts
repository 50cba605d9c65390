import { route } from "@/lib/http/route";
import { buildOpenApiDocument } from "@/lib/openapi/document";
import { V1_ROUTES } from "./routes";

export const dynamic = "force-dynamic";

let cached: Record<string, unknown> | undefined;

// public like the API's shape itself: it holds no data, only what each route accepts and answers
export const GET = route({ auth: "public" }, () => {
  cached ??= buildOpenApiDocument({ ...V1_ROUTES, "/api/v1/openapi.json": { GET } }, "1.0.0");
  return cached;
});
