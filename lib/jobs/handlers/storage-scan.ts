import "server-only";
import { executeStorageScan } from "../../services/storage";
import type { JobHandler } from "./types";

export const storageScanHandler: JobHandler<"storage-scan"> = ({ id }) => executeStorageScan(id);
