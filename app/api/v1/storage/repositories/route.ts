import { removeRepositoryBody } from "@/lib/contract/storage";
import { route } from "@/lib/http/route";
import { queueStorageScan, removeEmptyRepositoryFolders } from "@/lib/services/storage";

export const dynamic = "force-dynamic";

// Removes an empty repository's folders (no tags) while the registry is read-only or stopped, then rescans.
export const DELETE = route({ auth: "admin", body: removeRepositoryBody }, async ({ caller, body, ip }) => {
  const result = await removeEmptyRepositoryFolders(caller, body, ip);
  await queueStorageScan("manual");
  return result;
});
