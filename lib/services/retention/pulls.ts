// Manifest pulls, as registry notifications report them, for the "pulled recently" rule
// (keepPulledWithinDays). The notification route hands its envelope here; nothing here knows the route.
import "server-only";
import { z } from "zod";
import { getDb } from "../../db/client";
import { MANIFEST_MEDIA_TYPES } from "../../oci/media-types";
import { isValidDigest, isValidRepositoryName } from "../../oci/reference";

export const pullEventSchema = z.object({
  repository: z.string().max(255).refine(isValidRepositoryName, "invalid repository name"),
  digest: z.string().refine(isValidDigest, "invalid digest"),
  at: z.date(),
});
export type PullEvent = z.infer<typeof pullEventSchema>;

/** The parts of a registry notification envelope (lib/services/registry-notifications.ts) a pull needs. */
export type PullNotifications = {
  events: readonly {
    action: string;
    timestamp?: string | undefined;
    target?: { mediaType?: string | undefined; repository?: string | undefined; digest?: string | undefined } | undefined;
  }[];
};

/**
 * Remembers manifest pulls (from registry notifications) for keepPulledWithinDays: per repository
 * and digest the latest time and a count. Invalid events are dropped; times in the future count as now.
 */
export async function recordPulls(events: readonly PullEvent[]): Promise<number> {
  const now = Date.now();
  const merged = new Map<string, { repository: string; digest: string; at: number; pulls: number }>();
  for (const raw of events) {
    const parsed = pullEventSchema.safeParse(raw);
    if (!parsed.success || Number.isNaN(parsed.data.at.getTime())) continue;
    const { repository, digest } = parsed.data;
    const at = Math.min(parsed.data.at.getTime(), now);
    const key = `${repository}@${digest}`;
    const m = merged.get(key);
    if (m) {
      m.at = Math.max(m.at, at);
      m.pulls++;
    } else merged.set(key, { repository, digest, at, pulls: 1 });
  }
  const rows = [...merged.values()];
  if (rows.length === 0) return 0;
  await getDb().$executeRaw`
    INSERT INTO manifest_pulls (repository, digest, last_pulled_at, pulls)
    SELECT x.repository, x.digest, (x.at::timestamptz AT TIME ZONE 'UTC')::timestamp(3), x.pulls
    FROM unnest(
      ${rows.map((r) => r.repository)}::text[],
      ${rows.map((r) => r.digest)}::text[],
      ${rows.map((r) => new Date(r.at).toISOString())}::text[],
      ${rows.map((r) => r.pulls)}::int[]
    ) AS x(repository, digest, at, pulls)
    ON CONFLICT (repository, digest) DO UPDATE SET
      last_pulled_at = GREATEST(manifest_pulls.last_pulled_at, EXCLUDED.last_pulled_at),
      pulls = manifest_pulls.pulls + EXCLUDED.pulls`;
  return rows.length;
}

/** The manifest pulls in a registry notification envelope (blob pulls and other actions left out). */
export function pullEventsFrom(envelope: PullNotifications, received = new Date()): PullEvent[] {
  const out: PullEvent[] = [];
  for (const e of envelope.events) {
    const t = e.target;
    if (e.action !== "pull" || !t?.repository || !t.digest) continue;
    if (t.mediaType !== undefined && !MANIFEST_MEDIA_TYPES.includes(t.mediaType)) continue;
    const at = e.timestamp ? new Date(e.timestamp) : received;
    const parsed = pullEventSchema.safeParse({
      repository: t.repository,
      digest: t.digest,
      at: Number.isNaN(at.getTime()) ? received : at,
    });
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}
