import { json, route } from "@/lib/http/route";
import { enqueue } from "@/lib/jobs/queue";
import { storageScanJob } from "@/lib/jobs/storage-scan";
import { getStorageOverview, requestStorageScan } from "@/lib/services/storage";

export const dynamic = "force-dynamic";

// The last storage scan of REGISTRY_STORAGE_ROOT (with its time) and the scan job running now, if any.
export const GET = route({ auth: "admin" }, ({ caller }) => getStorageOverview(caller));

// 202 {id}: queues a rescan in the background, or answers with the one already queued or running.
export const POST = route({ auth: "admin" }, async ({ caller }) => {
  const scan = await requestStorageScan(caller);
  if (scan.created) await enqueue(storageScanJob, { id: scan.id });
  return json({ id: scan.id }, 202);
});
