import { route } from "@/lib/http/route";
import { deletionRequest, previewDeletion } from "@/lib/services/deletions";

export const dynamic = "force-dynamic";

// What a delete would remove (tags, manifests, platforms, bytes a GC would free). Changes nothing.
export const POST = route({ auth: "editor", body: deletionRequest, maxBodyBytes: 1024 * 1024 }, ({ caller, body }) =>
  previewDeletion(caller, body),
);
