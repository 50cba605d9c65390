import { describe, expect, it } from "vitest";
import { planEventBatch, type StoredEvent, tagKey } from "@/lib/services/sync-engine/event-plan";

const OCI = "application/vnd.oci.image.manifest.v1+json";
const ev = (
  id: string,
  action: "push" | "delete",
  at: number,
  target: { tag?: string; digest?: string; repository?: string; mediaType?: string },
): StoredEvent => ({
  id,
  action,
  repository: target.repository ?? "app",
  tag: target.tag ?? null,
  digest: target.digest ?? null,
  mediaType: target.mediaType ?? (action === "push" ? OCI : null),
  occurredAt: at,
});

const plan = (events: StoredEvent[], cached: Record<string, string> = {}, marks: Record<string, number> = {}) =>
  planEventBatch({
    events,
    cachedTags: new Map(Object.entries(cached).map(([tag, digest]) => [tagKey("app", tag), digest])),
    marks: new Map(Object.entries(marks).map(([tag, at]) => [tagKey("app", tag), at])),
    manifestAvailable: (d) => d !== "sha256:gone",
    isManifestMediaType: (m) => m === OCI,
  });

describe("planEventBatch", () => {
  it("points a pushed tag at its digest and records the event time", () => {
    const p = plan([ev("1", "push", 10, { tag: "v1", digest: "sha256:a" })]);
    expect(p.upserts).toEqual([{ repository: "app", tag: "v1", digest: "sha256:a" }]);
    expect(p.marks).toEqual([{ repository: "app", tag: "v1", occurredAt: 10 }]);
    expect(p.outcomes.get("1")).toBeNull();
    expect([...p.repositories]).toEqual(["app"]);
  });

  it("lets the newest event win however the batch is ordered, and ignores events older than the mark", () => {
    const p = plan([ev("new", "push", 20, { tag: "v1", digest: "sha256:b" }), ev("old", "push", 10, { tag: "v1", digest: "sha256:a" })]);
    expect(p.upserts).toEqual([{ repository: "app", tag: "v1", digest: "sha256:b" }]);
    expect(p.outcomes.get("old")).toBe("older than the cached state");
    const late = plan([ev("late", "push", 5, { tag: "v1", digest: "sha256:a" })], { v1: "sha256:b" }, { v1: 20 });
    expect(late.upserts).toEqual([]);
    expect(late.marks).toEqual([]);
  });

  it("an older push after a newer delete does not bring the tag back", () => {
    const p = plan([ev("del", "delete", 30, { tag: "v1" }), ev("push", "push", 10, { tag: "v1", digest: "sha256:a" })], { v1: "sha256:a" });
    expect(p.deletes).toEqual([{ repository: "app", tag: "v1" }]);
    expect(p.upserts).toEqual([]);
  });

  it("a delete by digest removes every tag on it (siblings), but not a tag that moved on in the batch", () => {
    const p = plan([ev("move", "push", 10, { tag: "c", digest: "sha256:b" }), ev("del", "delete", 20, { digest: "sha256:a" })], {
      a: "sha256:a",
      b: "sha256:a",
      c: "sha256:a",
      other: "sha256:z",
    });
    expect(p.deletes.map((d) => d.tag).sort()).toEqual(["a", "b"]);
    expect(p.upserts).toEqual([{ repository: "app", tag: "c", digest: "sha256:b" }]);
  });

  it("a delete by digest spares a tag whose newer push was applied before", () => {
    const p = plan([ev("del", "delete", 20, { digest: "sha256:a" })], { a: "sha256:a", b: "sha256:a" }, { b: 25 });
    expect(p.deletes).toEqual([{ repository: "app", tag: "a" }]);
  });

  it("duplicates change nothing more than the first copy", () => {
    const once = plan([ev("1", "push", 10, { tag: "v1", digest: "sha256:a" })]);
    const twice = plan([ev("1", "push", 10, { tag: "v1", digest: "sha256:a" }), ev("1", "push", 10, { tag: "v1", digest: "sha256:a" })]);
    expect(twice.upserts).toEqual(once.upserts);
    const replay = plan([ev("1", "push", 10, { tag: "v1", digest: "sha256:a" })], { v1: "sha256:a" }, { v1: 10 });
    expect(replay.upserts).toEqual([]);
  });

  it("skips blob pushes, pushes by digest only and manifests the registry no longer has", () => {
    const p = plan([
      ev("blob", "push", 1, { digest: "sha256:l", mediaType: "application/vnd.oci.image.layer.v1.tar+gzip" }),
      ev("bydigest", "push", 2, { digest: "sha256:a" }),
      ev("gone", "push", 3, { tag: "v9", digest: "sha256:gone" }),
    ]);
    expect(p.upserts).toEqual([]);
    expect(p.outcomes.get("blob")).toBe("not a manifest");
    expect(p.outcomes.get("bydigest")).toBe("no tag");
    expect(p.outcomes.get("gone")).toMatch(/not available/);
  });
});
