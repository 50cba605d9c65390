import "server-only";
import { constants, createHmac, createPublicKey, type JsonWebKey, timingSafeEqual, verify } from "node:crypto";

// Auth.js (oauth4webapi) checks the ID token's claims (iss, aud, exp, nonce) but not its signature:
// OpenID Connect Core 3.1.3.7 lets a client trust its TLS connection to the token endpoint instead. Auth.js
// also allows plain-http issuers, and so does OIDC_ISSUER, so the signature is checked here against the
// issuer's published keys (or, for HS*, the client secret).
const JWS_KEY_TYPES: Record<string, string[]> = { RS: ["rsa"], PS: ["rsa", "rsa-pss"], ES: ["ec"], Ed: ["ed25519", "ed448"] };

async function getJson(url: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, { headers: { accept: "application/json" }, signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

/** Whether an ID token's signature verifies against the issuer's published keys (HS*: the client secret). */
export async function idTokenSignatureValid(idToken: string, issuer: string, clientSecret: string): Promise<boolean> {
  const [h = "", p = "", s = "", ...rest] = idToken.split(".");
  const header = JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as { alg?: unknown; kid?: unknown };
  if (!p || !s || rest.length > 0 || typeof header.alg !== "string") return false;
  const alg = header.alg;
  const data = Buffer.from(`${h}.${p}`);
  const signature = Buffer.from(s, "base64url");
  const m = /^(RS|PS|ES|HS)(256|384|512)$/.exec(alg);
  const family = m?.[1] ?? (alg === "EdDSA" || alg === "Ed25519" ? "Ed" : null);
  const hash = m ? `sha${m[2]}` : null;
  if (family === "HS" && hash) {
    const mac = createHmac(hash, clientSecret).update(data).digest();
    return mac.length === signature.length && timingSafeEqual(mac, signature);
  }
  if (!family) return false;
  const { jwks_uri } = await getJson(`${issuer}/.well-known/openid-configuration`);
  const { keys } = typeof jwks_uri === "string" ? await getJson(jwks_uri) : { keys: undefined };
  if (!Array.isArray(keys)) return false;
  return keys.some((jwk: JsonWebKey & { kid?: unknown; alg?: unknown; use?: unknown }) => {
    if (header.kid !== undefined && jwk.kid !== header.kid) return false;
    if ((jwk.use !== undefined && jwk.use !== "sig") || (jwk.alg !== undefined && jwk.alg !== alg)) return false;
    try {
      const key = createPublicKey({ key: jwk, format: "jwk" });
      if (!JWS_KEY_TYPES[family]?.includes(key.asymmetricKeyType ?? "")) return false;
      if (family === "PS") {
        return verify(
          hash,
          data,
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST },
          signature,
        );
      }
      return verify(hash, data, family === "ES" ? { key, dsaEncoding: "ieee-p1363" } : key, signature);
    } catch {
      return false; // a key node:crypto cannot import
    }
  });
}
