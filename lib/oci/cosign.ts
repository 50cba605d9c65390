// Cosign "simple signing" signatures (the `sha256-<hex>.sig` tag): each layer is a JSON payload that
// names the signed manifest digest, and the layer's `dev.cosignproject.cosign/signature` annotation is
// the base64 signature over the payload's bytes. Pure: verification is computation on bytes already read.
import { type KeyObject, verify } from "node:crypto";
import { z } from "zod";

export const COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature";
export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";

const payloadSchema = z.object({
  critical: z.object({
    identity: z.object({ "docker-reference": z.string().optional() }).optional(),
    image: z.object({ "docker-manifest-digest": z.string() }),
    type: z.string().optional(),
  }),
});

export type SimpleSigningPayload = { dockerReference: string | null; manifestDigest: string; type: string | null };

/** The signed image a simple-signing payload names, or null when the bytes are not one. */
export function parseSimpleSigningPayload(text: string): SimpleSigningPayload | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = payloadSchema.safeParse(doc);
  if (!parsed.success) return null;
  const c = parsed.data.critical;
  return {
    dockerReference: c.identity?.["docker-reference"] ?? null,
    manifestDigest: c.image["docker-manifest-digest"],
    type: c.type ?? null,
  };
}

export type NamedPublicKey = { name: string; key: KeyObject };
export type CosignCheck = { status: "verified"; key: string } | { status: "failed"; reason: string };

/** Whether one of `keys` signed `payload` (ECDSA and RSA over SHA-256, Ed25519 over the bytes) and the payload names `subject`. */
export function verifySimpleSigning(
  payload: Buffer,
  signatureBase64: string,
  subject: string,
  keys: readonly NamedPublicKey[],
): CosignCheck {
  const signature = Buffer.from(signatureBase64.trim(), "base64");
  if (signature.length === 0) return { status: "failed", reason: "the signature annotation is empty" };
  const signer = keys.find(({ key }) => {
    try {
      return verify(key.asymmetricKeyType === "ed25519" || key.asymmetricKeyType === "ed448" ? null : "sha256", payload, key, signature);
    } catch {
      return false; // a signature of another key type, or malformed DER
    }
  });
  if (!signer) return { status: "failed", reason: "no configured key verifies the signature" };
  const signed = parseSimpleSigningPayload(payload.toString("utf8"))?.manifestDigest ?? null;
  if (signed !== subject) {
    return { status: "failed", reason: `the payload is signed by ${signer.name} but names ${signed ?? "no image"}, not ${subject}` };
  }
  return { status: "verified", key: signer.name };
}
