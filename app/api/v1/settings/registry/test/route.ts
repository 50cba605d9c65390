import { route } from "@/lib/http/route";
import { diagnoseRegistry } from "@/lib/services/registry-settings";

export const dynamic = "force-dynamic";

// "Test connection" on the Registry and configuration page: probes the registry again (nothing is changed there)
export const POST = route({ auth: "admin" }, ({ caller, req }) => diagnoseRegistry(caller, req.nextUrl.origin));
