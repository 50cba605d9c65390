import "server-only";
// Blobs: small JSON blobs read into memory (config), HEAD, and layers streamed with their digest checked
// as they are read. Blob stores may redirect to another origin (S3, a CDN); credentials never go there.

import { createHash } from "node:crypto";
import { assertRepositoryName, InvalidReferenceError, isValidDigest } from "../oci/reference";
import { decodeUtf8, discard, readLimited, verifyDigest } from "./body";
import { formatByteLimit } from "./errors";
import { type Exchange, positiveInt, type RegistryTransport } from "./transport";

export async function getBlobText(
  t: RegistryTransport,
  name: string,
  digest: string,
  defaultLimit: number,
  maxBytes?: number,
): Promise<string> {
  assertRepositoryName(name);
  if (!isValidDigest(digest)) {
    throw new InvalidReferenceError("digest", `invalid digest ${JSON.stringify(digest)}: expected algorithm:hex`);
  }
  const limit = positiveInt(maxBytes, defaultLimit);
  const req = t.request("GET", `/v2/${name}/blobs/${digest}`, null, "any");
  return t.exchange(req, async (res, ctx) => {
    if (!res.ok) throw await t.statusError(res, ctx, "GET");
    const bytes = await readLimited(res, limit, () =>
      t.error("too_large", `blob ${digest} exceeds ${formatByteLimit(limit)} limit`, ctx.url, res.status),
    );
    verifyDigest(t, bytes, digest, `blob ${name}@${digest}`, ctx.url);
    return decodeUtf8(t, bytes, `blob ${name}@${digest}`, ctx.url);
  });
}

/** Whether the registry serves blob `digest` in repository `name`: HEAD, 404 → false. */
export async function headBlob(t: RegistryTransport, name: string, digest: string): Promise<boolean> {
  assertRepositoryName(name);
  if (!isValidDigest(digest)) throw new InvalidReferenceError("digest", `not a digest: ${JSON.stringify(digest.slice(0, 200))}`);
  // a storage backend may redirect a blob to its own host (S3, GCS): any redirect is followed
  const req = t.request("HEAD", `/v2/${name}/blobs/${digest}`, null, "any");
  return t.exchange(req, async (res, ctx) => {
    await discard(res);
    if (res.status === 404) return false;
    if (!res.ok) throw await t.statusError(res, ctx, "HEAD");
    return true;
  });
}

export async function openBlob(
  t: RegistryTransport,
  name: string,
  digest: string,
): Promise<{ body: ReadableStream<Uint8Array>; size: number | null }> {
  assertRepositoryName(name);
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new InvalidReferenceError("digest", `only sha256 layer digests can be streamed, not ${JSON.stringify(digest)}`);
  }
  const exchange: Exchange = { ...t.request("GET", `/v2/${name}/blobs/${digest}`, null, "any"), timeoutCoversBody: false };
  return t.exchange(exchange, async (res, ctx) => {
    if (!res.ok || !res.body) throw await t.statusError(res, ctx, "GET");
    const length = Number(res.headers.get("content-length"));
    const hash = createHash("sha256");
    const where = `blob ${name}@${digest}`;
    const mismatch = (actual: string) =>
      t.error("digest_mismatch", `${where}: the content's digest is sha256:${actual}`, ctx.url, res.status);
    const verify = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        hash.update(chunk);
        controller.enqueue(chunk);
      },
      flush(controller) {
        const actual = hash.digest("hex");
        if (`sha256:${actual}` !== digest) controller.error(mismatch(actual));
      },
    });
    const body = (res.body as ReadableStream<Uint8Array>).pipeThrough(verify);
    return { body, size: Number.isFinite(length) && length >= 0 && res.headers.has("content-length") ? length : null };
  });
}
