import { route } from "@/lib/http/route";
import { auditListQuery, listAudit } from "@/lib/services/audit";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin", query: auditListQuery }, ({ caller, query }) => listAudit(caller, query));
