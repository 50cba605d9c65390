import "server-only";
import { executeRetentionRun } from "../../services/retention";
import type { JobHandler } from "./types";

export const retentionRunHandler: JobHandler<"retention-run"> = ({ runId }) => executeRetentionRun(runId);
