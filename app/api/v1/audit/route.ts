import { auditListQuery } from "@/lib/contract/audit";
import { route } from "@/lib/http/route";
import { listAudit } from "@/lib/services/audit";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin", query: auditListQuery }, ({ caller, query }) => listAudit(caller, query));
