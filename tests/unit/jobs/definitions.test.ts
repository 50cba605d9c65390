import { describe, expect, it } from "vitest";
import { jobNames, jobs } from "@/lib/jobs/definitions";
import { handlers } from "@/lib/jobs/handlers";

describe("job definitions", () => {
  it("keep the queue names and policies stored in pg-boss (queued jobs and existing queues depend on them)", () => {
    expect(Object.fromEntries(jobNames.map((name) => [name, jobs[name].queue]))).toEqual({
      "registry-sync": { policy: "stately", retryLimit: 1, expireInSeconds: 3600 },
      "layer-index": { policy: "stately", retryLimit: 0, expireInSeconds: 3600 },
      "registry-events": { policy: "stately", retryLimit: 5, retryDelay: 2, expireInSeconds: 900 },
      "registry-gc": { policy: "standard", retryLimit: 20, retryDelay: 30, expireInSeconds: 12 * 3600 },
      "storage-scan": { policy: "standard", retryLimit: 0, expireInSeconds: 6 * 3600 },
      "retention-run": { policy: "standard", retryLimit: 0, expireInSeconds: 6 * 3600 },
      "maintenance-tick": { policy: "stately", retryLimit: 1, retryDelay: 60, expireInSeconds: 6 * 3600 },
    });
    for (const name of jobNames) expect(jobs[name].name).toBe(name);
  });

  it("register exactly one handler per job, looked up by name", () => {
    expect(Object.keys(handlers).sort()).toEqual([...jobNames].sort());
    for (const name of jobNames) expect(typeof handlers[name]).toBe("function");
  });

  it("validate payloads by schema: a job cannot be queued with a payload its handler would reject", () => {
    expect(jobs["registry-sync"].payload.safeParse({ trigger: "manual" }).success).toBe(true);
    expect(jobs["registry-sync"].payload.safeParse({ trigger: "whenever" }).success).toBe(false);
    expect(jobs["layer-index"].payload.safeParse({ digest: "sha256:abc" }).success).toBe(false);
    expect(jobs["registry-gc"].payload.safeParse({ id: 0 }).success).toBe(false);
    expect(jobs["retention-run"].payload.safeParse({ runId: 3 }).success).toBe(true);
  });
});
