// The log scrubber and the metrics' label helpers (pure parts of lib/log and lib/metrics).
import { describe, expect, it } from "vitest";
import { scrub } from "@/lib/log";
import { registryEndpoint, routeTemplate } from "@/lib/metrics";

describe("scrub", () => {
  it("removes configured secrets, in their plain, JSON-escaped and URL-encoded forms", () => {
    const secret = 'pa"ss wo/rd';
    const line = JSON.stringify({ msg: `x ${secret} y`, url: `http://h/?p=${encodeURIComponent(secret)}` });
    const out = scrub(line, [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]);
    expect(out).not.toContain("pa");
    expect(out).toContain("[redacted]");
  });

  it("removes Authorization values, API tokens, URL userinfo and session cookies it was not told about", () => {
    const out = scrub(
      "Bearer eyJhbGciOi.abc.def Basic Y2k6c2VjcmV0 lsc_AbCdEf0123456789_- https://user:p4ss@registry.example/v2/ layerscope.session-token=eyJx.y; other=1",
      [],
    );
    expect(out).not.toMatch(/eyJhbGciOi|Y2k6c2VjcmV0|AbCdEf0123456789|p4ss|eyJx/);
    expect(out).toContain("other=1");
    expect(out).toContain("registry.example/v2/");
  });
});

describe("metric labels", () => {
  it("turn concrete API paths into their route templates", () => {
    expect(routeTemplate("/api/v1/users/12/tokens/7", { id: "12", tokenId: "7" })).toBe("/api/v1/users/[id]/tokens/[tokenId]");
    expect(routeTemplate("/api/v1/repositories/team/app/tags", { path: ["team", "app", "tags"] })).toBe("/api/v1/repositories/[...path]");
    expect(routeTemplate("/api/v1/repositories/a%20b/tags", { path: ["a b", "tags"] })).toBe("/api/v1/repositories/[...path]");
    expect(routeTemplate("/api/v1/sync", {})).toBe("/api/v1/sync");
  });

  it("name registry endpoints without repository names", () => {
    expect(registryEndpoint("/v2/")).toBe("/v2/");
    expect(registryEndpoint("/v2/_catalog?n=1000")).toBe("catalog");
    expect(registryEndpoint("/v2/team/app/tags/list")).toBe("tags");
    expect(registryEndpoint("/v2/team/app/manifests/sha256:abc")).toBe("manifests");
    expect(registryEndpoint("/v2/team/app/blobs/sha256:abc")).toBe("blobs");
    expect(registryEndpoint("/v2/team/app/blobs/uploads/uuid")).toBe("uploads");
    expect(registryEndpoint("/v2/team/app/referrers/sha256:abc")).toBe("referrers");
    expect(registryEndpoint("/token?scope=x")).toBe("token");
  });
});
