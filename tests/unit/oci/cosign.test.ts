import { generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSimpleSigningPayload, verifySimpleSigning } from "../../../lib/oci/cosign";

const SUBJECT = `sha256:${"a".repeat(64)}`;
const OTHER = `sha256:${"b".repeat(64)}`;
const payload = (digest: string) =>
  Buffer.from(
    JSON.stringify({
      critical: {
        identity: { "docker-reference": "reg/app" },
        image: { "docker-manifest-digest": digest },
        type: "cosign container image signature",
      },
      optional: null,
    }),
  );

const keys = {
  ec: generateKeyPairSync("ec", { namedCurve: "P-256" }),
  ed: generateKeyPairSync("ed25519"),
  rsa: generateKeyPairSync("rsa", { modulusLength: 2048 }),
  stranger: generateKeyPairSync("ec", { namedCurve: "P-256" }),
};
const signWith = (data: Buffer, key: KeyObject, ed = false) => sign(ed ? null : "sha256", data, key).toString("base64");
const configured = [
  { name: "ec.pub", key: keys.ec.publicKey },
  { name: "ed.pub", key: keys.ed.publicKey },
  { name: "rsa.pub", key: keys.rsa.publicKey },
];

describe("verifySimpleSigning", () => {
  it("verifies ECDSA P-256, Ed25519 and RSA signatures and names the key", () => {
    const p = payload(SUBJECT);
    expect(verifySimpleSigning(p, signWith(p, keys.ec.privateKey), SUBJECT, configured)).toEqual({ status: "verified", key: "ec.pub" });
    expect(verifySimpleSigning(p, signWith(p, keys.ed.privateKey, true), SUBJECT, configured)).toEqual({
      status: "verified",
      key: "ed.pub",
    });
    expect(verifySimpleSigning(p, signWith(p, keys.rsa.privateKey), SUBJECT, configured)).toEqual({ status: "verified", key: "rsa.pub" });
  });

  it("fails for an unknown key, a changed payload, an empty signature, and a payload naming another image", () => {
    const p = payload(SUBJECT);
    expect(verifySimpleSigning(p, signWith(p, keys.stranger.privateKey), SUBJECT, configured).status).toBe("failed");
    const tampered = Buffer.from(p.toString().replace("reg/app", "reg/evil"));
    expect(verifySimpleSigning(tampered, signWith(p, keys.ec.privateKey), SUBJECT, configured).status).toBe("failed");
    expect(verifySimpleSigning(p, "", SUBJECT, configured)).toMatchObject({ status: "failed", reason: expect.stringMatching(/empty/) });
    const elsewhere = payload(OTHER);
    expect(verifySimpleSigning(elsewhere, signWith(elsewhere, keys.ec.privateKey), SUBJECT, configured)).toMatchObject({
      status: "failed",
      reason: expect.stringContaining(OTHER),
    });
  });
});

describe("parseSimpleSigningPayload", () => {
  it("reads the signed digest and reference, and rejects other JSON", () => {
    expect(parseSimpleSigningPayload(payload(SUBJECT).toString())).toEqual({
      dockerReference: "reg/app",
      manifestDigest: SUBJECT,
      type: "cosign container image signature",
    });
    expect(parseSimpleSigningPayload('{"critical":{}}')).toBeNull();
    expect(parseSimpleSigningPayload("not json")).toBeNull();
  });
});
