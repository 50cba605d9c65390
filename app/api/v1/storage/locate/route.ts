import { locateQuery } from "@/lib/contract/storage";
import { route } from "@/lib/http/route";
import { locateOnDisk } from "@/lib/services/storage";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin", query: locateQuery }, ({ caller, query }) => locateOnDisk(caller, query));
