import { route } from "@/lib/http/route";
import { repositoryListQuery } from "@/lib/services/api-types";
import { listRepositories } from "@/lib/services/repositories";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "viewer", query: repositoryListQuery }, ({ caller, query }) => listRepositories(caller, query));
