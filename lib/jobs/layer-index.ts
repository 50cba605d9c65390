import "server-only";
import { z } from "zod";
import { indexLayerBlob } from "../services/layer-index";
import { defineJob, enqueue } from "./queue";

/**
 * Index one layer blob's tar entries. One job per blob digest at a time (singletonKey): blobs are
 * shared between images, and their index is written once.
 */
export const layerIndexJob = defineJob({
  name: "layer-index",
  payload: z.object({ digest: z.string().regex(/^sha256:[a-f0-9]{64}$/) }),
  queue: { policy: "stately", retryLimit: 0, expireInSeconds: 3600 },
  handler: ({ digest }) => indexLayerBlob(digest),
});

export function enqueueLayerIndex(digest: string): Promise<string | null> {
  return enqueue(layerIndexJob, { digest }, { singletonKey: digest });
}
