import { describe, expect, it } from "vitest";
import { ConfigParseError, creationTime, normalizeTimestamp, parseHelmChartConfig, parseImageConfig } from "../../../lib/oci/config";
import { json, sha } from "./fixtures";

// Trimmed from the config of docker.io/library/nginx:1.25 (Docker format, buildkit-built).
const nginxConfig = {
  architecture: "arm64",
  variant: "v8",
  os: "linux",
  created: "2024-02-14T19:34:38.246312497Z",
  author: "NGINX Docker Maintainers <docker-maint@nginx.com>",
  config: {
    User: "",
    ExposedPorts: { "80/tcp": {}, "443/tcp": {} },
    Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "NGINX_VERSION=1.25.4"],
    Entrypoint: ["/docker-entrypoint.sh"],
    Cmd: ["nginx", "-g", "daemon off;"],
    Volumes: { "/var/cache/nginx": {} },
    WorkingDir: "/",
    Labels: { maintainer: "NGINX Docker Maintainers <docker-maint@nginx.com>" },
    StopSignal: "SIGQUIT",
  },
  rootfs: { type: "layers", diff_ids: [sha("1"), sha("2")] },
  history: [
    { created: "2024-02-13T00:00:00Z", created_by: "/bin/sh -c #(nop) ADD file:abc in / " },
    { created: "2024-02-13T00:00:01Z", created_by: '/bin/sh -c #(nop)  CMD ["bash"]', empty_layer: true },
    { created: "2024-02-14T19:34:38Z", created_by: "RUN /bin/sh -c set -x", comment: "buildkit.dockerfile.v0", author: "me" },
  ],
};

describe("parseImageConfig", () => {
  it("extracts the runtime settings, platform, labels, history and diff IDs", () => {
    const c = parseImageConfig(json(nginxConfig));
    expect(c).toMatchObject({
      os: "linux",
      architecture: "arm64",
      variant: "v8",
      author: "NGINX Docker Maintainers <docker-maint@nginx.com>",
      entrypoint: ["/docker-entrypoint.sh"],
      cmd: ["nginx", "-g", "daemon off;"],
      workingDir: "/",
      exposedPorts: ["80/tcp", "443/tcp"],
      volumes: ["/var/cache/nginx"],
      labels: { maintainer: "NGINX Docker Maintainers <docker-maint@nginx.com>" },
      diffIds: [sha("1"), sha("2")],
    });
    expect(c.env).toHaveLength(2);
    expect(c.history).toEqual([
      {
        created: "2024-02-13T00:00:00.000Z",
        createdBy: "/bin/sh -c #(nop) ADD file:abc in / ",
        comment: null,
        emptyLayer: false,
        author: null,
      },
      { created: "2024-02-13T00:00:01.000Z", createdBy: '/bin/sh -c #(nop)  CMD ["bash"]', comment: null, emptyLayer: true, author: null },
      {
        created: "2024-02-14T19:34:38.000Z",
        createdBy: "RUN /bin/sh -c set -x",
        comment: "buildkit.dockerfile.v0",
        emptyLayer: false,
        author: "me",
      },
    ]);
  });

  it("normalises created to an ISO UTC string, truncating nanoseconds to milliseconds", () => {
    expect(parseImageConfig(json(nginxConfig)).created).toBe("2024-02-14T19:34:38.246Z");
  });

  it("treats an empty user as unset", () => {
    expect(parseImageConfig(json(nginxConfig)).user).toBeNull();
  });

  it("returns nulls and empty lists for a config with nothing in it", () => {
    expect(parseImageConfig("{}")).toEqual({
      created: null,
      os: null,
      architecture: null,
      variant: null,
      author: null,
      entrypoint: null,
      cmd: null,
      env: [],
      workingDir: null,
      user: null,
      exposedPorts: [],
      volumes: [],
      labels: {},
      history: [],
      diffIds: [],
    });
  });

  it("keeps an explicitly empty Cmd distinct from a missing one", () => {
    expect(parseImageConfig(json({ config: { Cmd: [] } })).cmd).toEqual([]);
    expect(parseImageConfig(json({ config: { Cmd: null } })).cmd).toBeNull();
  });

  it("degrades malformed fields to empty values instead of failing the whole config", () => {
    const c = parseImageConfig(
      json({
        created: "yesterday",
        os: 42,
        config: { Env: ["A=1", 7], Labels: { ok: "yes", bad: 1 }, ExposedPorts: "80/tcp", Entrypoint: "/entry.sh" },
        rootfs: "layers",
        history: [{ created_by: "RUN x", empty_layer: "yes" }, 5],
      }),
    );
    expect(c.created).toBeNull();
    expect(c.os).toBeNull();
    expect(c.env).toEqual(["A=1"]);
    expect(c.labels).toEqual({ ok: "yes" });
    expect(c.exposedPorts).toEqual([]);
    expect(c.entrypoint).toEqual(["/entry.sh"]);
    expect(c.diffIds).toEqual([]);
    // a broken entry stays in place so history still lines up with layers
    expect(c.history).toHaveLength(2);
    expect(c.history[0]).toMatchObject({ createdBy: "RUN x", emptyLayer: false });
    expect(c.history[1]).toEqual({ created: null, createdBy: null, comment: null, emptyLayer: false, author: null });
  });

  it("falls back to container_config for old configs without config", () => {
    const c = parseImageConfig(json({ container_config: { Cmd: ["/bin/sh"], Env: ["X=1"] } }));
    expect(c.cmd).toEqual(["/bin/sh"]);
    expect(c.env).toEqual(["X=1"]);
  });

  it("throws ConfigParseError on a body that is not JSON or not an object", () => {
    expect(() => parseImageConfig("not json")).toThrow(ConfigParseError);
    expect(() => parseImageConfig("not json")).toThrow("image config is not valid JSON");
    expect(() => parseImageConfig("[1]")).toThrow("image config must be a JSON object");
    expect(() => parseImageConfig("null")).toThrow(ConfigParseError);
  });
});

describe("creationTime", () => {
  it("treats Go's zero time and the Unix epoch as no creation time", () => {
    expect(creationTime("0001-01-01T00:00:00Z")).toBeNull();
    expect(creationTime("1970-01-01T00:00:00Z")).toBeNull();
    expect(creationTime("2024-01-15T12:00:00+02:00")).toBe("2024-01-15T10:00:00.000Z");
    expect(parseImageConfig('{"created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}]}').created).toBeNull();
  });
});

describe("normalizeTimestamp", () => {
  it("converts offsets to UTC", () => {
    expect(normalizeTimestamp("2024-01-15T12:00:00+02:00")).toBe("2024-01-15T10:00:00.000Z");
  });

  it("keeps Go's zero time and the Unix epoch of reproducible builds", () => {
    expect(normalizeTimestamp("0001-01-01T00:00:00Z")).toBe("0001-01-01T00:00:00.000Z");
    expect(normalizeTimestamp("1970-01-01T00:00:00Z")).toBe("1970-01-01T00:00:00.000Z");
  });

  it("returns null for dates that do not exist rather than rolling them over", () => {
    expect(normalizeTimestamp("2023-02-29T00:00:00Z")).toBeNull();
    expect(normalizeTimestamp("2024-02-29T00:00:00Z")).toBe("2024-02-29T00:00:00.000Z");
    expect(normalizeTimestamp("2024-04-31T00:00:00Z")).toBeNull();
    expect(normalizeTimestamp("2024-01-01T24:00:00Z")).toBeNull();
  });

  it("returns null for values that are not RFC 3339 timestamps", () => {
    expect(normalizeTimestamp("1")).toBeNull();
    expect(normalizeTimestamp("2024-01-15")).toBeNull();
    expect(normalizeTimestamp("Mon, 15 Jan 2024 10:00:00 GMT")).toBeNull();
    expect(normalizeTimestamp("")).toBeNull();
    expect(normalizeTimestamp(null)).toBeNull();
  });
});

describe("parseHelmChartConfig", () => {
  it("reads name, version, appVersion and description from Chart.yaml-as-JSON", () => {
    const body = json({
      name: "mychart",
      version: "0.1.0",
      appVersion: "1.16.0",
      description: "A Helm chart",
      apiVersion: "v2",
      type: "application",
      keywords: ["web", 3],
      maintainers: [{ name: "Ops", email: "ops@example.com" }, { email: "no-name@example.com" }],
      dependencies: [{ name: "redis", version: "17.x", repository: "oci://charts" }],
    });
    expect(parseHelmChartConfig(body)).toEqual({
      name: "mychart",
      version: "0.1.0",
      appVersion: "1.16.0",
      description: "A Helm chart",
      apiVersion: "v2",
      type: "application",
      kubeVersion: null,
      home: null,
      icon: null,
      // one odd entry never hides the well-formed ones
      keywords: ["web"],
      sources: [],
      maintainers: [{ name: "Ops", email: "ops@example.com", url: null }],
      dependencies: [{ name: "redis", version: "17.x", repository: "oci://charts" }],
      deprecated: false,
    });
  });

  it("returns null for missing or mistyped fields", () => {
    expect(parseHelmChartConfig(json({ name: "x", version: 1, maintainers: "nobody" }))).toMatchObject({
      name: "x",
      version: null,
      appVersion: null,
      description: null,
      maintainers: [],
      keywords: [],
    });
  });

  it("throws ConfigParseError on a body that is not a JSON object", () => {
    expect(() => parseHelmChartConfig("chart")).toThrow(ConfigParseError);
    expect(() => parseHelmChartConfig('"chart"')).toThrow("Helm chart config must be a JSON object");
  });
});
