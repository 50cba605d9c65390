import { idParam, route } from "@/lib/http/route";
import { getGcRun } from "@/lib/services/gc";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin", params: idParam }, ({ caller, params }) => getGcRun(caller, params.id));
