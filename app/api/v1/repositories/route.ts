import { repositoryListQuery } from "@/lib/contract/repositories";
import { route } from "@/lib/http/route";
import { listRepositories } from "@/lib/services/repositories";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "viewer", query: repositoryListQuery }, ({ caller, query }) => listRepositories(caller, query));
