import "server-only";
import type { ConfigSummary, Platform } from "../contract/images";
import type { Db } from "../db/client";
import { parseImageConfig } from "../oci/config";

// Builds the read models of cached manifests (created time, platforms, sizes) in a fixed
// number of queries however many tags point at them.

export type ManifestView = {
  digest: string;
  mediaType: string;
  kind: "image" | "index" | "artifact" | "legacy";
  configMediaType: string | null;
  sizeBytes: number;
  createdAt: string | null;
  platforms: Platform[];
};

type ManifestRow = {
  digest: string;
  media_type: string;
  kind: string;
  size_bytes: bigint;
  config_media_type: string | null;
  annotations: unknown;
  created: Date | null;
  os: string | null;
  architecture: string | null;
  variant: string | null;
};

type ChildRow = {
  index_digest: string;
  child_digest: string;
  os: string | null;
  architecture: string | null;
  variant: string | null;
  attestation: boolean;
  size_bytes: bigint | null;
  created: Date | null;
};

export async function loadManifestViews(db: Db, digests: string[]): Promise<Map<string, ManifestView>> {
  const unique = [...new Set(digests)];
  // a page of tags asks for these on every load: each manifest with its config in one query, the platform images of
  // indexes with theirs in a second one, only when there are indexes
  const manifests = await db.$queryRaw<ManifestRow[]>`
    SELECT m.digest, m.media_type, m.kind, m.size_bytes, m.config_media_type, m.annotations,
           c.created, c.os, c.architecture, c.variant
    FROM manifests m LEFT JOIN image_configs c ON c.digest = m.config_digest
    WHERE m.digest = ANY(${unique}::text[])`;
  const indexes = manifests.filter((m) => m.kind === "index").map((m) => m.digest);
  const children =
    indexes.length === 0
      ? []
      : await db.$queryRaw<ChildRow[]>`
          SELECT ic.index_digest, ic.child_digest, ic.os, ic.architecture, ic.variant, ic.attestation,
                 cm.size_bytes, cc.created
          FROM index_children ic
          LEFT JOIN manifests cm ON cm.digest = ic.child_digest
          LEFT JOIN image_configs cc ON cc.digest = cm.config_digest
          WHERE ic.index_digest = ANY(${indexes}::text[])
          ORDER BY ic.index_digest, ic.position`;

  const views = new Map<string, ManifestView>();
  for (const m of manifests) {
    let createdAt = m.created ?? annotationCreated(m.annotations);
    let platforms: Platform[] = [];
    if (m.kind === "image" && m.os && m.architecture) {
      platforms = [{ os: m.os, architecture: m.architecture, variant: m.variant, digest: m.digest, sizeBytes: Number(m.size_bytes) }];
    } else if (m.kind === "index") {
      for (const c of children) {
        if (c.index_digest !== m.digest || c.attestation) continue;
        if (c.created && (!createdAt || c.created > createdAt)) createdAt = c.created;
        platforms.push({
          os: c.os ?? "unknown",
          architecture: c.architecture ?? "unknown",
          variant: c.variant,
          digest: c.child_digest,
          sizeBytes: Number(c.size_bytes ?? 0n),
        });
      }
    }
    views.set(m.digest, {
      digest: m.digest,
      mediaType: m.media_type,
      kind: m.kind as ManifestView["kind"],
      configMediaType: m.config_media_type,
      sizeBytes: Number(m.size_bytes),
      createdAt: createdAt?.toISOString() ?? null,
      platforms,
    });
  }
  return views;
}

/** The `org.opencontainers.image.created` annotation as a date, when it is one. */
export function annotationCreated(annotations: unknown): Date | null {
  if (!annotations || typeof annotations !== "object") return null;
  const v = (annotations as Record<string, unknown>)["org.opencontainers.image.created"];
  if (typeof v !== "string") return null;
  const d = new Date(v);
  return Number.isNaN(d.getTime()) || d.getTime() <= 0 ? null : d;
}

export function configSummary(digest: string, mediaType: string, raw: string): ConfigSummary {
  const info = parseImageConfig(raw);
  return {
    digest,
    mediaType,
    created: info.created,
    os: info.os,
    architecture: info.architecture,
    variant: info.variant,
    author: info.author,
    entrypoint: info.entrypoint,
    cmd: info.cmd,
    workingDir: info.workingDir,
    user: info.user,
    env: info.env,
    exposedPorts: info.exposedPorts,
    volumes: info.volumes,
    labels: info.labels,
    historyLength: info.history.length,
  };
}
