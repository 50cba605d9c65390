import { z } from "zod";
import { route } from "@/lib/http/route";
import { listNamespaces } from "@/lib/services/repositories";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "viewer", query: z.object({ prefix: z.string().max(255).default("") }) }, ({ caller, query }) =>
  listNamespaces(caller, query.prefix),
);
