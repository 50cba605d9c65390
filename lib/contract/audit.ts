// The audit log. Client-safe: zod and types only.
import { z } from "zod";

export const auditItem = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().nullable(),
  result: z.enum(["success", "failure", "denied"]),
  ip: z.string().nullable(),
  details: z.unknown(),
});
export const auditList = z.object({ items: z.array(auditItem), nextCursor: z.string().nullable() });
export type AuditList = z.infer<typeof auditList>;

/** The audit log's filters and page. */
export const auditListQuery = z.object({
  action: z.string().max(64).optional(),
  actor: z.string().max(128).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(64).optional(),
});
export type AuditListQuery = z.infer<typeof auditListQuery>;
