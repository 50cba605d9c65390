import { namespaceListQuery } from "@/lib/contract/namespaces";
import { route } from "@/lib/http/route";
import { listNamespaces } from "@/lib/services/repositories";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "viewer", query: namespaceListQuery }, ({ caller, query }) => listNamespaces(caller, query));
