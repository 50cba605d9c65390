// The registry's storage root as it is on disk (REGISTRY_STORAGE_ROOT, read-only is enough to look): usage per
// repository, orphaned blobs, leftover uploads, empty repositories, and where a manifest or blob lives. Removing an
// empty repository's folders needs the registry stopped or read-only.
import "server-only";
import { z } from "zod";
import type { Caller } from "../auth/caller";
import { getEnv } from "../env";
import { AppError } from "../http/errors";
import { isValidDigest } from "../oci/reference";
import { removeEmptyRepository } from "../storage/remove";
import { locateBlob, locateManifest, type StorageScan, scanStorage } from "../storage/scan";
import { auditActor, recordAudit } from "./audit";
import { authorize } from "./permissions";
import { probeRegistry } from "./registry";

const SCAN_TTL_MS = 30_000;
const cache = globalThis as unknown as { layerscopeStorageScan?: { at: number; scan: Promise<StorageScan> } };

function storageRoot(): string {
  const root = getEnv().REGISTRY_STORAGE_ROOT;
  if (!root) {
    throw new AppError(
      "conflict",
      "REGISTRY_STORAGE_ROOT is not set: mount the registry's storage root (read-only is enough) and point it there",
    );
  }
  return root;
}

export const storageQuery = z.object({ refresh: z.enum(["true", "false"]).optional() });

export async function getStorageOverview(caller: Caller, refresh = false) {
  authorize(caller, "gc:run");
  if (!getEnv().REGISTRY_STORAGE_ROOT) return { configured: false as const };
  const root = storageRoot();
  const hit = cache.layerscopeStorageScan;
  if (refresh || !hit || Date.now() - hit.at > SCAN_TTL_MS) {
    const scan = scanStorage(root);
    scan.catch(() => {
      cache.layerscopeStorageScan = undefined;
    });
    cache.layerscopeStorageScan = { at: Date.now(), scan };
  }
  const scan = await (cache.layerscopeStorageScan as { scan: Promise<StorageScan> }).scan;
  return { configured: true as const, scannedAt: new Date(cache.layerscopeStorageScan?.at ?? Date.now()).toISOString(), ...scan };
}

export const locateQuery = z.object({
  digest: z.string().refine(isValidDigest, "invalid digest"),
  repository: z.string().min(1).max(255).optional(),
});

/** Where a manifest (with a repository) or a blob lives on disk. */
export async function locateOnDisk(caller: Caller, q: z.infer<typeof locateQuery>) {
  authorize(caller, "gc:run");
  const root = storageRoot();
  const blob = await locateBlob(root, q.digest);
  const manifest = q.repository ? await locateManifest(root, q.repository, q.digest) : null;
  return { blob, manifest };
}

export const removeRepositoryBody = z.object({
  repository: z.string().min(1).max(255),
  /** The admin says the registry is read-only (storage.maintenance.readonly) or stopped. */
  registryReadOnly: z.boolean(),
});

export async function removeEmptyRepositoryFolders(caller: Caller, body: z.infer<typeof removeRepositoryBody>, ip: string | null) {
  authorize(caller, "gc:run");
  const root = storageRoot();
  // a registry that answers and was not declared read-only could be writing into the folder right now
  const stopped = !(await probeRegistry()).reachable;
  try {
    const result = await removeEmptyRepository(root, body.repository, { registryWritable: !(stopped || body.registryReadOnly) });
    cache.layerscopeStorageScan = undefined;
    await recordAudit({
      actor: auditActor(caller),
      action: "storage.remove-repository",
      target: body.repository,
      result: "success",
      ip,
      details: { removed: result.removed, bytes: result.bytes, registryStopped: stopped },
    });
    return result;
  } catch (e) {
    await recordAudit({
      actor: auditActor(caller),
      action: "storage.remove-repository",
      target: body.repository,
      result: "failure",
      ip,
      details: { error: e instanceof Error ? e.message : String(e) },
    });
    throw e;
  }
}
