// Signatures, attestations and SBOMs as what they are: counted on the image they describe (the tags
// table's related_to/relation columns, set by a trigger at write time), cosign signatures verified
// against COSIGN_PUBLIC_KEYS, and an artifact's own layers read for what they say.
import "server-only";
import { createPublicKey } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { errorMessage } from "@/lib/errors";
import type { ArtifactContent, RelatedCounts, Relation, SignatureVerification } from "../contract/images";
import type { Db } from "../db/client";
import { getEnv } from "../env";
import { logger } from "../log";
import {
  COSIGN_SIGNATURE_ANNOTATION,
  type NamedPublicKey,
  parseSimpleSigningPayload,
  SIMPLE_SIGNING_MEDIA_TYPE,
  verifySimpleSigning,
} from "../oci/cosign";
import { summarizeSbom } from "../oci/sbom";
import { sharedRegistry } from "./registry";

export const NO_RELATED: RelatedCounts = { signatures: 0, attestations: 0, sboms: 0, verification: null };

// ---- keys ------------------------------------------------------------------------------------

type LoadedKeys = { keys: NamedPublicKey[]; errors: string[] };
const keyState = globalThis as unknown as { layerscopeCosignKeys?: LoadedKeys };

/** COSIGN_PUBLIC_KEYS, read once: each PEM file is a key named by its file's basename. */
export function cosignKeys(): LoadedKeys {
  if (keyState.layerscopeCosignKeys) return keyState.layerscopeCosignKeys;
  const loaded: LoadedKeys = { keys: [], errors: [] };
  for (const file of getEnv().COSIGN_PUBLIC_KEYS) {
    try {
      loaded.keys.push({ name: path.basename(file), key: createPublicKey(readFileSync(file)) });
    } catch (e) {
      const message = `COSIGN_PUBLIC_KEYS: cannot load ${file}: ${errorMessage(e)}`;
      loaded.errors.push(message);
      logger.error(message);
    }
  }
  keyState.layerscopeCosignKeys = loaded;
  return loaded;
}

// ---- verification ------------------------------------------------------------------------------

type LayerCheck = { layer: string; payload: string | null; verification: SignatureVerification };

// Signature manifests and their payload blobs are immutable, as are the keys for the life of the process:
// a result is kept per (signature manifest, subject). Registry errors are not kept.
const VERIFIED_KEPT = 10_000;
const verified = new Map<string, LayerCheck[]>();

function unchecked(reason: string): SignatureVerification {
  return { status: "unchecked", keys: [], reason };
}

type SignatureLayer = { blobDigest: string; mediaType: string; sizeBytes: bigint; annotations: unknown };

function signatureOf(annotations: unknown): string | null {
  if (!annotations || typeof annotations !== "object") return null;
  const v = (annotations as Record<string, unknown>)[COSIGN_SIGNATURE_ANNOTATION];
  return typeof v === "string" ? v : null;
}

const PAYLOAD_MAX_BYTES = 1024 * 1024;

async function checkLayers(
  repository: string,
  subject: string,
  layers: readonly SignatureLayer[],
): Promise<{ checks: LayerCheck[]; keep: boolean }> {
  const { keys, errors } = cosignKeys();
  let keep = true;
  const checks: LayerCheck[] = [];
  for (const l of layers) {
    const signature = signatureOf(l.annotations);
    if (signature === null && l.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) continue;
    let payload: string | null = null;
    try {
      payload = await sharedRegistry().getBlobText(repository, l.blobDigest, PAYLOAD_MAX_BYTES);
    } catch (e) {
      keep = false;
      checks.push({
        layer: l.blobDigest,
        payload: null,
        verification: unchecked(`couldn't read the payload: ${errorMessage(e)}`),
      });
      continue;
    }
    let verification: SignatureVerification;
    if (signature === null) verification = unchecked("the layer carries no cosign signature annotation");
    else if (keys.length === 0) verification = unchecked(errors[0] ?? "no COSIGN_PUBLIC_KEYS are configured");
    else {
      const check = verifySimpleSigning(Buffer.from(payload, "utf8"), signature, subject, keys);
      verification =
        check.status === "verified"
          ? { status: "verified", keys: [check.key], reason: null }
          : { status: "failed", keys: [], reason: check.reason };
    }
    checks.push({ layer: l.blobDigest, payload, verification });
  }
  return { checks, keep };
}

async function checkSignatureManifest(db: Db, repository: string, signatureDigest: string, subject: string): Promise<LayerCheck[]> {
  const cacheKey = `${signatureDigest}|${subject}`;
  const hit = verified.get(cacheKey);
  if (hit) return hit;
  const layers = await db.manifestLayer.findMany({ where: { manifestDigest: signatureDigest }, orderBy: { position: "asc" } });
  const { checks, keep } = await checkLayers(repository, subject, layers);
  if (keep) {
    if (verified.size >= VERIFIED_KEPT) verified.delete(verified.keys().next().value as string);
    verified.set(cacheKey, checks);
  }
  return checks;
}

/** One verdict over every signature of an image: verified by any key wins, else failed, else unchecked. */
export function combineVerifications(all: readonly SignatureVerification[]): SignatureVerification | null {
  if (all.length === 0) return null;
  const ok = all.filter((v) => v.status === "verified");
  if (ok.length > 0) return { status: "verified", keys: [...new Set(ok.flatMap((v) => v.keys))].sort(), reason: null };
  const failed = all.find((v) => v.status === "failed");
  if (failed) return failed;
  return all[0] ?? null;
}

async function verifySubject(db: Db, repository: string, subject: string, signatureDigests: readonly string[]) {
  const checks = await Promise.all(signatureDigests.map((d) => checkSignatureManifest(db, repository, d, subject).catch(() => [])));
  const verifications = checks.flat().map((c) => c.verification);
  return combineVerifications(verifications) ?? unchecked("no cosign signature layer was found");
}

// ---- counts on the subject -------------------------------------------------------------------

/**
 * What describes each of `digests` in a repository: signature, attestation and SBOM manifests tagged
 * there (one indexed lookup per page), buildx attestations inside an index, and the signatures' verdict.
 */
export async function relatedCountsOf(
  db: Db,
  repository: { id: number; name: string },
  digests: readonly string[],
): Promise<Map<string, RelatedCounts>> {
  const out = new Map<string, RelatedCounts>();
  if (digests.length === 0) return out;
  const [rows, attested] = await Promise.all([
    db.$queryRaw<{ subject: string; relation: Relation; digests: string[] }[]>`
      SELECT t.related_to AS subject, t.relation, array_agg(DISTINCT t.digest) AS digests FROM tags t
      WHERE t.repository_id = ${repository.id} AND t.related_to = ANY(${[...digests]}::text[])
      GROUP BY t.related_to, t.relation`,
    db.$queryRaw<{ digest: string; count: bigint }[]>`
      SELECT ic.index_digest AS digest, COUNT(*) AS count FROM index_children ic
      WHERE ic.attestation AND ic.index_digest = ANY(${[...digests]}::text[]) GROUP BY ic.index_digest`,
  ]);
  const get = (d: string) => {
    const seen = out.get(d);
    if (seen) return seen;
    const fresh = { ...NO_RELATED };
    out.set(d, fresh);
    return fresh;
  };
  const signatures = new Map<string, string[]>();
  for (const r of rows) {
    const c = get(r.subject);
    if (r.relation === "signature") {
      c.signatures += r.digests.length;
      signatures.set(r.subject, r.digests);
    } else if (r.relation === "sbom") c.sboms += r.digests.length;
    else if (r.relation === "attestation") c.attestations += r.digests.length;
  }
  for (const a of attested) get(a.digest).attestations += Number(a.count);
  await Promise.all(
    [...signatures].map(async ([subject, sigs]) => {
      get(subject).verification = await verifySubject(db, repository.name, subject, sigs);
    }),
  );
  return out;
}

// ---- an artifact's own page ------------------------------------------------------------------

const CONTENT_MAX_BYTES = 4 * 1024 * 1024;
const CONTENT_LAYERS_READ = 8;

function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** What a signature's or SBOM's layers say; other artifacts' layers are only listed. */
export async function artifactContents(
  db: Db,
  repository: string,
  manifestDigest: string,
  relatedTo: { digest: string; relation: Relation },
  layers: readonly SignatureLayer[],
): Promise<ArtifactContent[]> {
  if (relatedTo.relation === "signature") {
    const checks = await checkSignatureManifest(db, repository, manifestDigest, relatedTo.digest);
    return checks.map((c): ArtifactContent => {
      if (c.payload === null) return { kind: "unreadable", layer: c.layer, reason: c.verification.reason ?? "unreadable" };
      const parsed = parseSimpleSigningPayload(c.payload);
      return {
        kind: "signature",
        layer: c.layer,
        payload: prettyJson(c.payload),
        signedDigest: parsed?.manifestDigest ?? null,
        dockerReference: parsed?.dockerReference ?? null,
        verification: c.verification,
      };
    });
  }
  if (relatedTo.relation !== "sbom" && relatedTo.relation !== "attestation") return [];
  const out: ArtifactContent[] = [];
  for (const l of layers.slice(0, CONTENT_LAYERS_READ)) {
    if (!/json/i.test(l.mediaType)) continue;
    if (l.sizeBytes > BigInt(CONTENT_MAX_BYTES)) {
      out.push({ kind: "unreadable", layer: l.blobDigest, reason: `larger than ${CONTENT_MAX_BYTES / 1024 / 1024} MiB: not read` });
      continue;
    }
    try {
      const summary = summarizeSbom(await sharedRegistry().getBlobText(repository, l.blobDigest, CONTENT_MAX_BYTES));
      if (summary) out.push({ kind: "sbom", layer: l.blobDigest, ...summary });
    } catch (e) {
      out.push({ kind: "unreadable", layer: l.blobDigest, reason: errorMessage(e) });
    }
  }
  return out;
}
