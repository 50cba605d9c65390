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

type ConfigRow = { digest: string; created: Date | null; os: string | null; architecture: string | null; variant: string | null };

export async function loadManifestViews(db: Db, digests: string[]): Promise<Map<string, ManifestView>> {
  const unique = [...new Set(digests)];
  const manifests = await db.manifest.findMany({
    where: { digest: { in: unique } },
    select: { digest: true, mediaType: true, kind: true, sizeBytes: true, configDigest: true, configMediaType: true, annotations: true },
  });
  const children = await db.indexChild.findMany({
    where: { indexDigest: { in: manifests.filter((m) => m.kind === "index").map((m) => m.digest) } },
    orderBy: [{ indexDigest: "asc" }, { position: "asc" }],
  });
  const childManifests = await db.manifest.findMany({
    where: { digest: { in: children.map((c) => c.childDigest) } },
    select: { digest: true, sizeBytes: true, configDigest: true },
  });
  const configDigests = [...manifests, ...childManifests].map((m) => m.configDigest).filter((d): d is string => d !== null);
  const configs = new Map<string, ConfigRow>(
    (
      await db.imageConfig.findMany({
        where: { digest: { in: [...new Set(configDigests)] } },
        select: { digest: true, created: true, os: true, architecture: true, variant: true },
      })
    ).map((c) => [c.digest, c]),
  );
  const childByDigest = new Map(childManifests.map((m) => [m.digest, m]));

  const views = new Map<string, ManifestView>();
  for (const m of manifests) {
    const config = m.configDigest ? configs.get(m.configDigest) : undefined;
    let createdAt = config?.created ?? annotationCreated(m.annotations);
    let platforms: Platform[] = [];
    if (m.kind === "image" && config?.os && config.architecture) {
      platforms = [
        { os: config.os, architecture: config.architecture, variant: config.variant, digest: m.digest, sizeBytes: Number(m.sizeBytes) },
      ];
    } else if (m.kind === "index") {
      for (const c of children) {
        if (c.indexDigest !== m.digest || c.attestation) continue;
        const child = childByDigest.get(c.childDigest);
        const childCreated = child?.configDigest ? configs.get(child.configDigest)?.created : null;
        if (childCreated && (!createdAt || childCreated > createdAt)) createdAt = childCreated;
        platforms.push({
          os: c.os ?? "unknown",
          architecture: c.architecture ?? "unknown",
          variant: c.variant,
          digest: c.childDigest,
          sizeBytes: Number(child?.sizeBytes ?? 0n),
        });
      }
    }
    views.set(m.digest, {
      digest: m.digest,
      mediaType: m.mediaType,
      kind: m.kind as ManifestView["kind"],
      configMediaType: m.configMediaType,
      sizeBytes: Number(m.sizeBytes),
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
