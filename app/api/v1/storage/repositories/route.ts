import { route } from "@/lib/http/route";
import { removeEmptyRepositoryFolders, removeRepositoryBody } from "@/lib/services/storage";

export const dynamic = "force-dynamic";

// Removes an empty repository's folders (no tags) while the registry is read-only or stopped.
export const DELETE = route({ auth: "admin", body: removeRepositoryBody }, ({ caller, body, ip }) =>
  removeEmptyRepositoryFolders(caller, body, ip),
);
