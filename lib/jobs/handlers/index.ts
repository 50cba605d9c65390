import "server-only";
import type { JobName } from "../definitions";
import { layerIndexHandler } from "./layer-index";
import { maintenanceTickHandler } from "./maintenance-tick";
import { registryEventsHandler } from "./registry-events";
import { gcHandler } from "./registry-gc";
import { syncHandler } from "./registry-sync";
import { retentionRunHandler } from "./retention-run";
import { storageScanHandler } from "./storage-scan";
import type { JobHandler } from "./types";

/** Every job's handler by job name: the worker looks them up here (a missing one fails the type check). */
export const handlers: { [N in JobName]: JobHandler<N> } = {
  "registry-sync": syncHandler,
  "layer-index": layerIndexHandler,
  "registry-events": registryEventsHandler,
  "registry-gc": gcHandler,
  "storage-scan": storageScanHandler,
  "retention-run": retentionRunHandler,
  "maintenance-tick": maintenanceTickHandler,
};

export type { JobHandler } from "./types";
