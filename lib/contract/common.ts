// Pieces every part of the API contract shares. Client-safe: zod and types only.
import { z } from "zod";
import { SORT_ORDERS } from "./sorts";

export const sortOrder = z.enum(SORT_ORDERS);
export type SortOrder = z.infer<typeof sortOrder>;

/** Every error answer: `{ error: { code, message } }`. */
export const apiError = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ApiError = z.infer<typeof apiError>;

/** A page size query parameter: 1…max, `dflt` when absent. */
export const limit = (max: number, dflt: number) => z.coerce.number().int().min(1).max(max).default(dflt);
/** Query strings send "" for a cleared field: treat it as absent. */
export const emptyToUndefined = (v: unknown) => (v === "" || v === null ? undefined : v);
