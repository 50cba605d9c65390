import { retentionPreviewBody } from "@/lib/contract/retention-requests";
import { route } from "@/lib/http/route";
import { previewPolicy } from "@/lib/services/retention";

export const dynamic = "force-dynamic";

// what the rules in the body (a policy being edited) would delete now; nothing is saved
export const POST = route({ auth: "editor", body: retentionPreviewBody }, ({ caller, body }) => previewPolicy(caller, body));
