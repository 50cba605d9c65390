import { deletionRequest } from "@/lib/contract/deletions";
import { route } from "@/lib/http/route";
import { previewDeletion } from "@/lib/services/deletions";

export const dynamic = "force-dynamic";

// What a delete would remove (tags, manifests, platforms, bytes a GC would free). Changes nothing. Answers
// from the cache checked against one tags/list (fast for thousands of tags); the delete itself asks the
// registry for every tag and refuses (409, with a fresh preview) when the two differ.
export const POST = route({ auth: "editor", body: deletionRequest, maxBodyBytes: 1024 * 1024 }, ({ caller, body }) =>
  previewDeletion(caller, body, { against: "cache" }),
);
