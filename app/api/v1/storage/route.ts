import { json, route } from "@/lib/http/route";
import { getStorageOverview, requestStorageScan } from "@/lib/services/storage";

export const dynamic = "force-dynamic";

// The last storage scan of REGISTRY_STORAGE_ROOT (with its time) and the scan job running now, if any.
export const GET = route({ auth: "admin" }, ({ caller }) => getStorageOverview(caller));

// 202 {id}: queues a rescan in the background, or answers with the one already queued or running.
export const POST = route({ auth: "admin" }, async ({ caller }) => json(await requestStorageScan(caller), 202));
