import "server-only";
import { drainRegistryEvents } from "../../services/registry-events";
import type { JobHandler } from "./types";

export const registryEventsHandler: JobHandler<"registry-events"> = async () => drainRegistryEvents();
