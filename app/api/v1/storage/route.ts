import { route } from "@/lib/http/route";
import { getStorageOverview, storageQuery } from "@/lib/services/storage";

export const dynamic = "force-dynamic";

// On-disk usage from REGISTRY_STORAGE_ROOT (scanned at most every 30 s unless ?refresh=true).
export const GET = route({ auth: "admin", query: storageQuery }, ({ caller, query }) =>
  getStorageOverview(caller, query.refresh === "true"),
);
