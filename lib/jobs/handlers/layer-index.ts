import "server-only";
import { indexLayerBlob } from "../../services/layer-index";
import type { JobHandler } from "./types";

export const layerIndexHandler: JobHandler<"layer-index"> = ({ digest }) => indexLayerBlob(digest);
