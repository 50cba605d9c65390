// lib/registry against a real docker-registry 2.8 served over HTTPS (`http.tls`) with a certificate from a
// private CA made with openssl: REGISTRY_CA_FILE trusts it, REGISTRY_INSECURE_TLS skips verification, and
// without either the failure names both settings.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createRegistryClient,
  type RegistryClient,
  type RegistryClientOptions,
  type RegistryRequestEvent,
} from "../../lib/registry/client";
import { REPO_ROOT, type RunningRegistry, startRegistry } from "../fixtures/registry";
import { type CertificateFiles, makeCertificateAuthority, makeServerCertificate } from "../fixtures/tls";
import { failure } from "./helpers";

let dir = "";
let ca: CertificateFiles;
let otherCa: CertificateFiles;
let registry: RunningRegistry;
const clients: RegistryClient[] = [];

beforeAll(async () => {
  const parent = path.join(REPO_ROOT, ".tmp");
  mkdirSync(parent, { recursive: true });
  dir = mkdtempSync(path.join(parent, "tls-"));
  ca = await makeCertificateAuthority(dir, "layerscope-test-ca");
  otherCa = await makeCertificateAuthority(dir, "unrelated-ca");
  const server = await makeServerCertificate(dir, "registry", ca, ["IP:127.0.0.1"]);
  registry = await startRegistry({ tls: { certificate: server.certPath, key: server.keyPath } });
});

afterAll(async () => {
  await registry?.destroy();
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
});

function client(options: Partial<RegistryClientOptions> = {}): RegistryClient {
  const c = createRegistryClient({ baseUrl: registry.url, ...options });
  clients.push(c);
  return c;
}

describe("registry over TLS", () => {
  it("serves https on 127.0.0.1", () => {
    expect(registry.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  });

  it("trusts the registry's certificate through the CA file", async () => {
    const c = client({ caFile: ca.certPath });
    expect(await c.ping()).toEqual({ apiVersion: "registry/2.0" });
    expect(await c.catalog()).toEqual([]);
    const missing = await failure(c.listTags("demo/none"));
    expect(missing.kind).toBe("not_found");
  });

  it("fails without the CA with a message naming REGISTRY_CA_FILE and REGISTRY_INSECURE_TLS, without retrying", async () => {
    const events: RegistryRequestEvent[] = [];
    const err = await failure(client({ retries: 3, onRequest: (e) => events.push(e) }).catalog());
    expect(err.kind).toBe("unreachable");
    expect(err.message).toContain(`registry at ${registry.url} is unreachable`);
    expect(err.message).toContain("set REGISTRY_CA_FILE");
    expect(err.message).toContain("REGISTRY_INSECURE_TLS=true");
    // a certificate problem does not go away by retrying
    expect(events).toHaveLength(1);
  });

  it("says the configured CA file does not match when another CA signed the certificate", async () => {
    const err = await failure(client({ caFile: otherCa.certPath }).ping());
    expect(err.kind).toBe("unreachable");
    expect(err.message).toContain(`not trusted by REGISTRY_CA_FILE (${otherCa.certPath})`);
    expect(err.message).toContain("REGISTRY_INSECURE_TLS=true");
  });

  it("skips verification with insecure TLS", async () => {
    const c = client({ insecureTls: true });
    expect(await c.ping()).toEqual({ apiVersion: "registry/2.0" });
    expect(await c.catalog()).toEqual([]);
  });

  it("refuses a CA file that holds no certificate when the client is created", async () => {
    const notPem = path.join(dir, "not-a-certificate.pem");
    await writeFile(notPem, "hello\n");
    expect(() => createRegistryClient({ baseUrl: registry.url, caFile: notPem })).toThrow(/REGISTRY_CA_FILE.*contains no PEM certificate/);
    expect(() => createRegistryClient({ baseUrl: registry.url, caFile: path.join(dir, "missing.pem") })).toThrow(
      /cannot read registry CA file .*REGISTRY_CA_FILE/,
    );
  });
});
