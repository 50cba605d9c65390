import { deletionConfirm, deletionRequest } from "@/lib/contract/deletions";
import { route } from "@/lib/http/route";
import { executeDeletion } from "@/lib/services/deletions";

export const dynamic = "force-dynamic";

// Deletes after the caller confirmed the preview's exact list of tags (409 with a fresh preview otherwise).
export const POST = route(
  { auth: "editor", body: deletionRequest.and(deletionConfirm), maxBodyBytes: 2 * 1024 * 1024 },
  ({ caller, body, ip }) => executeDeletion(caller, body, ip),
);
