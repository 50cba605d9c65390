// Retention against the real docker-registry 2.8.2 and Postgres: the preview names exactly what a
// run deletes, a dry run deletes nothing, a real run deletes exactly the preview's digests and
// never one a kept tag or a kept index needs, and a tag pushed after the plan (which the cache has
// not seen) makes the run skip its digest instead of deleting the new tag with it.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import { type Layer, makeLayer, type PushedIndex, type PushedManifest, RegistryPusher } from "../fixtures/images";
import { type RunningRegistry, startRegistry } from "../fixtures/registry";
import { cachedTags, configureEnv, freshDatabase, syncCache } from "./helpers";
import { closeServices } from "./teardown";

const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (n: number) => new Date(Date.now() - n * DAY);
const PASSWORD = "correct horse battery";

let registry: RunningRegistry;
let pusher: RegistryPusher;
let base: Layer;
// ret/app
let oldAmd: PushedManifest; // v0-amd, and the amd64 image of multi
let newArm: PushedManifest; // untagged arm64 image of multi
let multi: PushedIndex; // multi
let a: PushedManifest; // v1 and stable
let b: PushedManifest; // v2
let c: PushedManifest; // v3
let d: PushedManifest; // v4
let e: PushedManifest; // v5
let f: PushedManifest; // v6
// ret/race
let g: PushedManifest; // old1
let j: PushedManifest; // old2
let appPolicyId: number;

const exists = async (repository: string, reference: string) => (await pusher.fetchManifest(repository, reference)).status === 200;

async function image(repository: string, tags: string[], name: string, ageDays: number, architecture = "amd64") {
  const own = await makeLayer([{ path: `app/${name}`, content: name.repeat(500 + name.length * 100) }]);
  return pusher.pushImage(repository, tags, {
    layers: architecture === "amd64" ? [base, own] : [own],
    config: { architecture, os: "linux", created: daysAgo(ageDays) },
  });
}

/** What a GC frees when an image whose only shared blob is the base layer is gone. */
const ownBytes = (m: PushedManifest) =>
  m.size + m.configSize + m.layers.filter((l) => l.digest !== base.digest).reduce((s, l) => s + l.size, 0);

beforeAll(async () => {
  registry = await startRegistry();
  pusher = new RegistryPusher(registry.url);
  configureEnv({
    REGISTRY_URL: registry.url,
    DATABASE_URL: await freshDatabase(inject("databaseUrl"), "retention"),
    LOG_LEVEL: "error",
    LAYERSCOPE_ADMIN_USER: "",
  });
  base = await makeLayer([{ path: "etc/os-release", content: "ID=retention\n" }]);
  oldAmd = await image("ret/app", ["v0-amd"], "old-amd", 200);
  newArm = await image("ret/app", [], "new-arm", 3, "arm64");
  multi = await pusher.pushIndex("ret/app", ["multi"], { manifests: [{ manifest: oldAmd }, { manifest: newArm }] });
  a = await image("ret/app", ["v1", "stable"], "a", 100);
  b = await image("ret/app", ["v2"], "b", 90);
  c = await image("ret/app", ["v3"], "c", 60);
  d = await image("ret/app", ["v4"], "d", 10);
  e = await image("ret/app", ["v5"], "e", 5);
  f = await image("ret/app", ["v6"], "f", 1);
  g = await image("ret/race", ["old1"], "g", 100);
  j = await image("ret/race", ["old2"], "j", 120);
  await image("ret/race", ["new1"], "h", 2);
  await image("ret/race", ["new2"], "i", 1);
  await syncCache();

  const { createPolicy } = await import("@/lib/services/retention");
  const policy = await createPolicy(
    SYSTEM,
    { name: "app", repositoryGlob: "ret/app", keepLatest: 2, keepTagPattern: "^stable$", deleteOlderThanDays: 30, enabled: true },
    null,
  );
  appPolicyId = policy.id;
}, 180_000);

afterAll(() => closeServices({ jobs: true, registries: [registry] }));

describe("retention preview", () => {
  it("deletes only old tags beyond the newest 2 that no kept tag or kept index needs, and says why for each tag", async () => {
    const { previewPolicy } = await import("@/lib/services/retention");
    const preview = await previewPolicy(SYSTEM, appPolicyId);
    expect(preview.repositories.map((r) => r.name)).toEqual(["ret/app"]);
    const repo = preview.repositories[0];
    expect(repo?.deleteTags.map((t) => t.tag)).toEqual(["v2", "v3"]);
    expect(repo?.deleteDigests).toEqual([b.digest, c.digest].sort());
    expect(repo?.keepTags.map((t) => t.tag)).toEqual(["multi", "stable", "v0-amd", "v1", "v4", "v5", "v6"]);
    const reasons = (tag: string) => repo?.keepTags.find((t) => t.tag === tag)?.reasons.join(" | ");
    expect(reasons("v1")).toMatch(/^shares digest with kept tag stable/);
    expect(reasons("v0-amd")).toMatch(new RegExp(`^child of index ${multi.digest} kept by tag multi`));
    expect(reasons("stable")).toMatch(/matches keep pattern \^stable\$/);
    // an index is as new as its newest platform image
    expect(reasons("multi")).toMatch(/among the newest 2 tags \(#2\)/);
    expect(reasons("v4")).toMatch(/not older than 30 days/);
    // the base layer stays (kept tags use it): each deleted image frees its own layer, config and manifest
    expect(repo?.bytesFreed).toBe(ownBytes(b) + ownBytes(c));
    expect(preview.totals).toEqual({ repositories: 1, tags: 2, digests: 2, bytesFreed: ownBytes(b) + ownBytes(c) });
    expect(preview.pullEventsKnown).toBe(false);
    expect(preview.warnings).toEqual([]);
  });

  it("previews unsaved rules the same way, and warns when pull-based rules have no pull events", async () => {
    const { previewPolicy } = await import("@/lib/services/retention");
    const saved = await previewPolicy(SYSTEM, appPolicyId);
    const unsaved = await previewPolicy(SYSTEM, {
      repositoryGlob: "ret/app",
      keepLatest: 2,
      keepTagPattern: "^stable$",
      deleteOlderThanDays: 30,
      keepPulledWithinDays: 7,
    });
    expect(unsaved.repositories.map((r) => r.deleteDigests)).toEqual(saved.repositories.map((r) => r.deleteDigests));
    expect(unsaved.warnings.join(" ")).toMatch(/No pull events have been recorded/);
  });

  it("keeps a tag pulled recently once pull events are recorded", async () => {
    const { previewPolicy, recordPulls, pullEventsFrom } = await import("@/lib/services/retention");
    const events = pullEventsFrom({
      events: [
        {
          action: "pull",
          timestamp: daysAgo(1).toISOString(),
          target: { repository: "ret/app", digest: c.digest, mediaType: "application/vnd.oci.image.manifest.v1+json" },
        },
        // a blob pull and a push are not manifest pulls
        { action: "pull", target: { repository: "ret/app", digest: base.digest, mediaType: "application/octet-stream" } },
        { action: "push", target: { repository: "ret/app", digest: b.digest } },
      ],
    });
    expect(events.map((x) => x.digest)).toEqual([c.digest]);
    expect(await recordPulls(events)).toBe(1);
    // an older pull of the same manifest adds to the count but does not move the time back
    await recordPulls([{ repository: "ret/app", digest: c.digest, at: daysAgo(20) }]);
    const { getDb } = await import("@/lib/db/client");
    const row = await getDb().manifestPull.findUniqueOrThrow({ where: { repository_digest: { repository: "ret/app", digest: c.digest } } });
    expect(row.pulls).toBe(2);
    expect(Math.abs(row.lastPulledAt.getTime() - daysAgo(1).getTime())).toBeLessThan(60_000);

    const rules = { repositoryGlob: "ret/app", keepLatest: 2, keepTagPattern: "^stable$", deleteOlderThanDays: 30 };
    const withPulls = await previewPolicy(SYSTEM, { ...rules, keepPulledWithinDays: 7 });
    expect(withPulls.pullEventsKnown).toBe(true);
    expect(withPulls.repositories[0]?.deleteDigests).toEqual([b.digest]);
    expect(withPulls.repositories[0]?.keepTags.find((t) => t.tag === "v3")?.reasons.join(" ")).toMatch(/pulled within 7 days/);
    const without = await previewPolicy(SYSTEM, rules);
    expect(without.repositories[0]?.deleteDigests).toEqual([b.digest, c.digest].sort());
  });

  it("records pulls that arrive as registry notifications (pulls store no cache event)", async () => {
    const { receiveRegistryNotification } = await import("@/lib/services/registry-notifications");
    const at = new Date();
    const result = await receiveRegistryNotification({
      events: [
        {
          id: "pull-1",
          action: "pull",
          timestamp: at.toISOString(),
          target: { repository: "ret/elsewhere", digest: a.digest, mediaType: "application/vnd.oci.image.manifest.v1+json" },
        },
      ],
    });
    expect(result).toEqual({ events: 1, ignored: 0, stored: 0 });
    const { getDb } = await import("@/lib/db/client");
    const row = await getDb().manifestPull.findUnique({ where: { repository_digest: { repository: "ret/elsewhere", digest: a.digest } } });
    expect(row?.pulls).toBe(1);
  });

  it("refuses an editor whose grants do not cover every repository the glob matches", async () => {
    const { previewPolicy } = await import("@/lib/services/retention");
    const editor = {
      kind: "user",
      id: 999,
      username: "scoped",
      name: "scoped",
      provider: "credentials",
      role: "viewer",
      grants: [{ pattern: "ret/race", role: "editor" }],
      via: "session",
    } as const;
    // a saved policy beyond their grants is not theirs to see at all; unsaved rules get a reason
    await expect(previewPolicy({ ...editor, grants: [...editor.grants] }, appPolicyId)).rejects.toMatchObject({ code: "not_found" });
    await expect(
      previewPolicy({ ...editor, grants: [...editor.grants] }, { repositoryGlob: "ret/*", keepLatest: 2 }),
    ).rejects.toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/retention:preview on ret\/app/),
    });
    const own = await previewPolicy({ ...editor, grants: [...editor.grants] }, { repositoryGlob: "ret/race", keepLatest: 2 });
    expect(own.repositories.map((r) => r.name)).toEqual(["ret/race"]);
  });
});

describe("retention runs", () => {
  it("a dry run stores the plan it evaluated and deletes nothing", async () => {
    const { runPolicy } = await import("@/lib/services/retention");
    const run = await runPolicy(appPolicyId, { dryRun: true, trigger: "manual", caller: SYSTEM });
    expect(run).toMatchObject({ status: "succeeded", dryRun: true, tagsDeleted: 0, manifestsDeleted: 0, bytesFreed: 0, error: null });
    expect(run.plan?.repositories?.map((r) => [r.name, r.deleteDigests])).toEqual([["ret/app", [b.digest, c.digest].sort()]]);
    expect(run.plan?.repositories?.[0]?.outcome).toBeUndefined();
    for (const tag of ["v2", "v3"]) expect(await exists("ret/app", tag)).toBe(true);
    expect(await cachedTags("ret/app")).toEqual(["multi", "stable", "v0-amd", "v1", "v2", "v3", "v4", "v5", "v6"]);
    const { getDb } = await import("@/lib/db/client");
    const audit = await getDb().auditEvent.findFirst({ where: { action: "retention.run" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ actor: "system", target: "app", result: "success" });
    expect(audit?.details).toMatchObject({ runId: run.id, dryRun: true, tags: ["ret/app:v2", "ret/app:v3"], manifestsDeleted: 0 });
  });

  it("a real run deletes exactly the preview's digests; every kept tag and index child still pulls", async () => {
    const { previewPolicy, runPolicy, listRuns } = await import("@/lib/services/retention");
    const preview = await previewPolicy(SYSTEM, appPolicyId);
    const planned = preview.repositories[0]?.deleteDigests ?? [];
    const started = Date.now();
    const run = await runPolicy(appPolicyId, { dryRun: false, trigger: "manual", caller: SYSTEM }, "127.0.0.1");
    expect(run).toMatchObject({ status: "succeeded", dryRun: false, tagsDeleted: 2, manifestsDeleted: 2, error: null });
    expect(run.bytesFreed).toBe(preview.totals.bytesFreed);
    const repo = run.plan?.repositories?.[0];
    expect(repo?.deleteDigests).toEqual(planned);
    expect(repo?.outcome).toEqual({ deleted: planned, skipped: [], failed: [], tagsDeleted: 2, bytesFreed: preview.totals.bytesFreed });

    // the registry and the cache agree: exactly those manifests are gone
    for (const digest of planned) expect(await exists("ret/app", digest)).toBe(false);
    for (const tag of ["v2", "v3"]) expect(await exists("ret/app", tag)).toBe(false);
    for (const tag of ["multi", "stable", "v0-amd", "v1", "v4", "v5", "v6"]) expect(await exists("ret/app", tag)).toBe(true);
    for (const m of [oldAmd, newArm, a, d, e, f]) expect(await exists("ret/app", m.digest)).toBe(true);
    expect(await cachedTags("ret/app")).toEqual(["multi", "stable", "v0-amd", "v1", "v4", "v5", "v6"]);

    // history and audit: who, when, what, result
    const history = await listRuns(SYSTEM, appPolicyId);
    expect(history.items.map((r) => [r.id, r.dryRun, r.status])).toEqual([
      [run.id, false, "succeeded"],
      [run.id - 1, true, "succeeded"],
    ]);
    expect(history.items[0]).toMatchObject({
      tagsDeleted: 2,
      manifestsDeleted: 2,
      bytesFreed: preview.totals.bytesFreed,
      requestedBy: "system",
    });
    expect(new Date(history.items[0]?.finishedAt ?? 0).getTime()).toBeGreaterThanOrEqual(started - 1000);
    const { getDb } = await import("@/lib/db/client");
    const audit = await getDb().auditEvent.findFirst({ where: { action: "retention.run" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ actor: "system", target: "app", result: "success", ip: "127.0.0.1" });
    expect(audit?.details).toMatchObject({
      runId: run.id,
      dryRun: false,
      tags: ["ret/app:v2", "ret/app:v3"],
      digests: planned.map((x) => `ret/app@${x}`),
      tagsDeleted: 2,
      manifestsDeleted: 2,
      bytesFreed: preview.totals.bytesFreed,
      skipped: [],
    });
    // the deletes themselves are audited too, once for the repository
    expect(await getDb().auditEvent.count({ where: { action: "delete.manifests", target: "ret/app" } })).toBe(1);

    // nothing is left to delete
    const again = await previewPolicy(SYSTEM, appPolicyId);
    expect(again.totals).toMatchObject({ tags: 0, digests: 0, bytesFreed: 0 });
  });

  it("skips a planned digest a tag was pushed onto since the last sync, and an image an index pushed since needs", async () => {
    const { createPolicy, previewPolicy, runPolicy } = await import("@/lib/services/retention");
    const policy = await createPolicy(SYSTEM, { name: "race", repositoryGlob: "ret/race", keepLatest: 2, enabled: true }, null);
    const preview = await previewPolicy(SYSTEM, policy.id);
    expect(preview.repositories[0]?.deleteTags.map((t) => t.tag)).toEqual(["old1", "old2"]);
    expect(preview.repositories[0]?.deleteDigests).toEqual([g.digest, j.digest].sort());

    // after the preview and before the run, without a sync: the cache knows neither
    await pusher.tag("ret/race", ["hotfix"], g);
    const bundle = await pusher.pushIndex("ret/race", ["bundle"], { manifests: [{ manifest: j }] });
    expect(await cachedTags("ret/race")).toEqual(["new1", "new2", "old1", "old2"]);

    const run = await runPolicy(policy.id, { dryRun: false, trigger: "manual", caller: SYSTEM });
    expect(run).toMatchObject({ status: "succeeded", tagsDeleted: 0, manifestsDeleted: 0, bytesFreed: 0 });
    // the plan is what the cache said; the outcome is what the registry allowed
    expect(run.plan?.repositories?.[0]?.deleteDigests).toEqual([g.digest, j.digest].sort());
    const skipped = run.plan?.repositories?.[0]?.outcome?.skipped ?? [];
    expect(skipped.map((s) => s.digest).sort()).toEqual([g.digest, j.digest].sort());
    expect(skipped.find((s) => s.digest === g.digest)?.reason).toMatch(/tag hotfix points at it now/);
    expect(skipped.find((s) => s.digest === j.digest)?.reason).toMatch(
      new RegExp(`child of ${bundle.digest}, which tag bundle points at now`),
    );
    for (const tag of ["hotfix", "old1", "old2", "bundle", "new1", "new2"]) expect(await exists("ret/race", tag)).toBe(true);
    const { getDb } = await import("@/lib/db/client");
    const audit = await getDb().auditEvent.findFirst({ where: { action: "retention.run", target: "race" }, orderBy: { id: "desc" } });
    expect(audit?.details).toMatchObject({ manifestsDeleted: 0, skipped: [expect.anything(), expect.anything()] });

    // once synced the plan includes the new tags, and the next run deletes them with their digests
    await syncCache();
    const next = await previewPolicy(SYSTEM, policy.id);
    expect(next.repositories[0]?.deleteTags.map((t) => t.tag)).toEqual(["bundle", "hotfix", "old1", "old2"]);
    const second = await runPolicy(policy.id, { dryRun: false, trigger: "manual", caller: SYSTEM });
    expect(second).toMatchObject({ status: "succeeded", tagsDeleted: 4, manifestsDeleted: 3 });
    expect(second.plan?.repositories?.[0]?.outcome?.skipped).toEqual([]);
    for (const tag of ["hotfix", "old1", "old2", "bundle"]) expect(await exists("ret/race", tag)).toBe(false);
    for (const tag of ["new1", "new2"]) expect(await exists("ret/race", tag)).toBe(true);
    expect(await cachedTags("ret/race")).toEqual(["new1", "new2"]);
  });

  it("refuses a second run of a policy while one is queued", async () => {
    const { createRetentionRun, executeRetentionRun } = await import("@/lib/services/retention");
    const first = await createRetentionRun(SYSTEM, appPolicyId, { dryRun: true, trigger: "manual" }, null);
    await expect(createRetentionRun(SYSTEM, appPolicyId, { dryRun: true, trigger: "manual" }, null)).rejects.toMatchObject({
      code: "conflict",
      details: { id: first.id },
    });
    expect((await executeRetentionRun(first.id)).status).toBe("succeeded");
    // executing it again changes nothing
    expect((await executeRetentionRun(first.id)).status).toBe("succeeded");
  });
});

describe("scheduled retention", () => {
  it("runs due policies for real, moves nextRunAt to the next slot, and leaves disabled ones alone", async () => {
    const { createPolicy, dueRetentionPolicies, runDueRetention, getPolicy } = await import("@/lib/services/retention");
    const { nextRun } = await import("@/lib/retention/schedule");
    const { getDb } = await import("@/lib/db/client");
    const on = await createPolicy(
      SYSTEM,
      { name: "hourly", repositoryGlob: "ret/**", keepLatest: 50, schedule: "@hourly", enabled: true },
      null,
    );
    const off = await createPolicy(
      SYSTEM,
      { name: "off", repositoryGlob: "ret/**", keepLatest: 50, schedule: "@hourly", enabled: false },
      null,
    );
    // the next full hour
    const planned = new Date(on.nextRunAt ?? 0);
    expect(planned.getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(planned.getTime()).toBeLessThanOrEqual(Date.now() + 3600_000);
    expect([planned.getUTCMinutes(), planned.getUTCSeconds()]).toEqual([0, 0]);
    expect(off.nextRunAt).toBeNull();

    const now = new Date();
    const moved = await getDb().retentionPolicy.update({ where: { id: on.id }, data: { nextRunAt: new Date(now.getTime() - 60_000) } });
    expect((await dueRetentionPolicies(now)).map((p) => p.name)).toEqual(["hourly"]);
    const { runs } = await runDueRetention(now);
    expect(runs).toHaveLength(1);
    const after = await getPolicy(SYSTEM, on.id);
    expect(after.nextRunAt).toBe(nextRun("@hourly", now).toISOString());
    expect(after.lastRun).toMatchObject({ id: runs[0], trigger: "schedule", dryRun: false, status: "succeeded", manifestsDeleted: 0 });
    // moving nextRunAt is not an edit of the policy
    expect(after.updatedAt).toBe(moved.updatedAt.toISOString());
    expect(await dueRetentionPolicies(now)).toEqual([]);
    expect((await runDueRetention(now)).runs).toEqual([]);
  });

  it("queues the maintenance tick once", async () => {
    const { scheduleRetentionTick } = await import("@/lib/jobs/definitions");
    const { getDb } = await import("@/lib/db/client");
    expect(await scheduleRetentionTick()).not.toBeNull();
    expect(await scheduleRetentionTick()).toBeNull();
    const rows = await getDb().$queryRaw<{ start_after: Date }[]>`
      SELECT start_after FROM pgboss.job WHERE name = 'maintenance-tick' AND state = 'created' AND singleton_key = 'tick'`;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.start_after.getTime()).toBeGreaterThan(Date.now() + 30_000);
  });
});

describe("retention API", () => {
  it("admins manage policies and start runs (202, run by the job); editors read and preview", async () => {
    const { createUser } = await import("@/lib/services/users");
    const { callRoute, ROOT, basic } = await import("./route-harness");
    await createUser(SYSTEM, { username: "ret-admin", password: PASSWORD, role: "admin", grants: [] }, null);
    await createUser(SYSTEM, { username: "ret-editor", password: PASSWORD, role: "editor", grants: [] }, null);
    const admin = basic("ret-admin", PASSWORD);
    const editor = basic("ret-editor", PASSWORD);
    const file = (p: string) => `${ROOT}/app/api/v1/retention${p}/route.ts`;

    const body = { name: "api", repositoryGlob: "ret/app", keepLatest: 1, deleteOlderThanDays: 3650 };
    expect((await callRoute(file(""), "POST", { url: "/api/v1/retention", headers: editor, body })).status).toBe(403);
    // a misspelt rule is refused rather than dropped
    const typo = await callRoute(file(""), "POST", { url: "/api/v1/retention", headers: admin, body: { ...body, keepLatests: 5 } });
    expect(typo.status).toBe(400);
    const created = await callRoute(file(""), "POST", { url: "/api/v1/retention", headers: admin, body });
    expect(created.status).toBe(201);
    const policy = (await created.json()) as { id: number; enabled: boolean; nextRunAt: string | null };
    expect(policy).toMatchObject({ enabled: true, nextRunAt: null });
    const dup = await callRoute(file(""), "POST", { url: "/api/v1/retention", headers: admin, body });
    expect(dup.status).toBe(409);

    const id = String(policy.id);
    const patched = await callRoute(file("/[id]"), "PATCH", {
      url: `/api/v1/retention/${id}`,
      params: { id },
      headers: admin,
      body: { schedule: "@daily", deleteOlderThanDays: null },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ schedule: "@daily", deleteOlderThanDays: null, nextRunAt: expect.any(String) });

    const list = await callRoute(file(""), "GET", { url: "/api/v1/retention", headers: editor });
    expect(((await list.json()) as { items: { name: string }[] }).items.map((p) => p.name)).toEqual([
      "api",
      "app",
      "hourly",
      "off",
      "race",
    ]);
    const preview = await callRoute(file("/preview"), "POST", {
      url: "/api/v1/retention/preview",
      headers: editor,
      body: { repositoryGlob: "ret/app", keepLatest: 3 },
    });
    expect(preview.status).toBe(200);
    // v1 and stable (one digest) and v4; v0-amd stays for multi
    expect(((await preview.json()) as { totals: { tags: number } }).totals.tags).toBe(3);

    const start = () =>
      callRoute(file("/[id]/runs"), "POST", {
        url: `/api/v1/retention/${id}/runs`,
        params: { id },
        headers: admin,
        body: { dryRun: true },
      });
    const queued = await start();
    expect(queued.status).toBe(202);
    const { id: runId } = (await queued.json()) as { id: number };
    expect((await start()).status).toBe(409);
    expect(
      (
        await callRoute(file("/[id]/runs"), "POST", {
          url: `/api/v1/retention/${id}/runs`,
          params: { id },
          headers: editor,
          body: { dryRun: true },
        })
      ).status,
    ).toBe(403);

    // the job runs it, as the admin who asked
    const { work } = await import("@/lib/jobs/worker");
    const { retentionJob } = await import("@/lib/jobs/definitions");
    await work(retentionJob);
    const { getDb } = await import("@/lib/db/client");
    const deadline = Date.now() + 60_000;
    let status = "queued";
    while (Date.now() < deadline && (status === "queued" || status === "running")) {
      await new Promise((r) => setTimeout(r, 250));
      status = (await getDb().retentionRun.findUniqueOrThrow({ where: { id: runId } })).status;
    }
    expect(status).toBe("succeeded");
    const runs = await callRoute(file("/[id]/runs"), "GET", { url: `/api/v1/retention/${id}/runs`, params: { id }, headers: editor });
    const items = ((await runs.json()) as { items: { id: number; requestedBy: string; plan: { totals: { tags: number } } }[] }).items;
    expect(items.map((r) => [r.id, r.requestedBy, r.plan.totals.tags])).toEqual([[runId, "ret-admin", 6]]);
    const audit = await getDb().auditEvent.findFirst({ where: { action: "retention.run", target: "api" }, orderBy: { id: "desc" } });
    expect(audit).toMatchObject({ actor: "ret-admin", result: "success" });

    expect((await callRoute(file("/[id]"), "DELETE", { url: `/api/v1/retention/${id}`, params: { id }, headers: editor })).status).toBe(
      403,
    );
    expect((await callRoute(file("/[id]"), "DELETE", { url: `/api/v1/retention/${id}`, params: { id }, headers: admin })).status).toBe(204);
    expect((await callRoute(file("/[id]"), "GET", { url: `/api/v1/retention/${id}`, params: { id }, headers: editor })).status).toBe(404);
    const actions = await getDb().auditEvent.findMany({
      where: { action: { startsWith: "retention.policy" }, target: "api" },
      orderBy: { id: "asc" },
    });
    expect(actions.map((x) => [x.action, x.actor])).toEqual([
      ["retention.policy.create", "ret-admin"],
      ["retention.policy.update", "ret-admin"],
      ["retention.policy.delete", "ret-admin"],
    ]);
  });
});

// Keep patterns a user sends run on a linear-time engine (RE2), and policies and runs are shown
// only to those whose grants cover the policy's repository glob.
describe("retention with hostile patterns and scoped editors", () => {
  // `(\w*)` eight times then `@`: 13.4 s on ONE 36-character tag with the backtracking RegExp
  const HOSTILE = "(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)(\\w*)@";
  const TAG_LENGTH = 128;
  const hostileTags = Array.from({ length: 40 }, (_, i) => `${"a".repeat(TAG_LENGTH - 4)}${String(i).padStart(4, "0")}`);
  const file = (p: string) => `${ROOT}/app/api/v1${p}/route.ts`;
  let ROOT: string;
  let scoped: Record<string, string>;
  let admin: Record<string, string>;

  beforeAll(async () => {
    ({ ROOT } = await import("./route-harness"));
    const { basic } = await import("./route-harness");
    await image("ret/hostile", hostileTags, "hostile", 50);
    await syncCache();
    const { createUser } = await import("@/lib/services/users");
    // a viewer whose editor role comes from grants on two repositories
    await createUser(
      SYSTEM,
      {
        username: "ret-scoped",
        password: PASSWORD,
        role: "viewer",
        grants: [
          { pattern: "ret/race", role: "editor" },
          { pattern: "ret/hostile", role: "editor" },
        ],
      },
      null,
    );
    await createUser(SYSTEM, { username: "ret-admin2", password: PASSWORD, role: "admin", grants: [] }, null);
    scoped = basic("ret-scoped", PASSWORD);
    admin = basic("ret-admin2", PASSWORD);
  }, 120_000);

  it("previews the issue's pattern over 128-character tags at once, and /api/v1/health answers meanwhile", async () => {
    const { callRoute } = await import("./route-harness");
    const started = performance.now();
    const preview = callRoute(file("/retention/preview"), "POST", {
      url: "/api/v1/retention/preview",
      headers: scoped,
      body: { repositoryGlob: "ret/hostile", keepTagPattern: HOSTILE, keepLatest: 1 },
    }).then(async (res) => ({ res, ms: performance.now() - started }));
    const healthStarted = performance.now();
    const health = callRoute(file("/health"), "GET", { url: "/api/v1/health" }).then((res) => ({
      res,
      ms: performance.now() - healthStarted,
    }));
    const [p, h] = await Promise.all([preview, health]);
    expect(p.res.status).toBe(200);
    const body = (await p.res.json()) as { repositories: { keepTags: unknown[]; deleteTags: unknown[] }[] };
    // every tag judged: one image, so the 39 beyond the newest share its digest with the kept one
    expect(body.repositories[0]?.keepTags.length).toBe(hostileTags.length);
    expect(h.res.status).toBe(200);
    // generous bounds: the backtracking engine took 13 s on one tag of 36 characters
    expect(p.ms).toBeLessThan(2000);
    expect(h.ms).toBeLessThan(2000);
  });

  it("refuses a glob beyond the caller's grants before evaluating anything", async () => {
    const { callRoute } = await import("./route-harness");
    const started = performance.now();
    const res = await callRoute(file("/retention/preview"), "POST", {
      url: "/api/v1/retention/preview",
      headers: scoped,
      body: { repositoryGlob: "ret/**", keepTagPattern: HOSTILE, keepLatest: 1 },
    });
    expect(res.status).toBe(403);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it("refuses lookaround and backreferences with a clear 400", async () => {
    const { callRoute } = await import("./route-harness");
    for (const keepTagPattern of ["^(?!v)", "(a)\\1"]) {
      const res = await callRoute(file("/retention/preview"), "POST", {
        url: "/api/v1/retention/preview",
        headers: scoped,
        body: { repositoryGlob: "ret/hostile", keepTagPattern, keepLatest: 1 },
      });
      expect(res.status).toBe(400);
      expect(JSON.stringify(await res.json())).toMatch(/RE2 syntax \(lookaround and backreferences are not supported\)/);
    }
  });

  it("fails a saved pattern RE2 does not take (saved before) with a clear message, deleting nothing", async () => {
    const { createPolicy, previewPolicy, runPolicy } = await import("@/lib/services/retention");
    const { getDb } = await import("@/lib/db/client");
    const policy = await createPolicy(SYSTEM, { name: "legacy", repositoryGlob: "ret/hostile", keepLatest: 1, enabled: false }, null);
    await getDb().retentionPolicy.update({ where: { id: policy.id }, data: { keepTagPattern: "^(?!stable)" } });
    await expect(previewPolicy(SYSTEM, policy.id)).rejects.toMatchObject({ code: "bad_request", message: expect.stringMatching(/RE2/) });
    const run = await runPolicy(policy.id, { dryRun: false, trigger: "manual", caller: SYSTEM });
    expect(run.status).toBe("failed");
    expect(run.error).toMatch(/keep pattern \^\(\?!stable\): not a valid regular expression in RE2 syntax/);
    expect(await cachedTags("ret/hostile")).toEqual([...hostileTags].sort());
    await getDb().retentionPolicy.delete({ where: { id: policy.id } });
  });

  it("shows policies and runs only to callers whose grants cover the policy's glob", async () => {
    const { callRoute } = await import("./route-harness");
    const { createPolicy, runPolicy, getRun } = await import("@/lib/services/retention");
    const mine = await createPolicy(SYSTEM, { name: "hostile", repositoryGlob: "ret/hostile", keepLatest: 100, enabled: true }, null);
    const mineRun = await runPolicy(mine.id, { dryRun: true, trigger: "manual", caller: SYSTEM });
    const appRun = await runPolicy(appPolicyId, { dryRun: true, trigger: "manual", caller: SYSTEM });
    const names = async (headers: Record<string, string>) => {
      const res = await callRoute(file("/retention"), "GET", { url: "/api/v1/retention", headers });
      expect(res.status).toBe(200);
      return ((await res.json()) as { items: { name: string }[] }).items.map((p) => p.name);
    };
    // ret/app and ret/** reach beyond ret/race and ret/hostile
    expect(await names(scoped)).toEqual(["hostile", "race"]);
    expect(await names(admin)).toEqual(["app", "hostile", "hourly", "off", "race"]);

    const get = (p: string, id: number) =>
      callRoute(file(`/retention/[id]${p}`), "GET", { url: `/api/v1/retention/${id}${p}`, params: { id: String(id) }, headers: scoped });
    expect((await get("", mine.id)).status).toBe(200);
    expect((await get("/runs", mine.id)).status).toBe(200);
    const hidden = await get("", appPolicyId);
    expect(hidden.status).toBe(404);
    expect((await get("/runs", appPolicyId)).status).toBe(404);
    expect(
      (
        await callRoute(file("/retention/[id]/runs"), "GET", {
          url: `/api/v1/retention/${appPolicyId}/runs`,
          params: { id: String(appPolicyId) },
          headers: admin,
        })
      ).status,
    ).toBe(200);

    const { getDb } = await import("@/lib/db/client");
    const user = await getDb().user.findUniqueOrThrow({ where: { username: "ret-scoped" }, include: { grants: true } });
    const { callerFromUser } = await import("@/lib/services/users");
    const caller = callerFromUser(user, "session");
    expect((await getRun(caller, mineRun.id)).policyName).toBe("hostile");
    await expect(getRun(caller, appRun.id)).rejects.toMatchObject({ code: "not_found" });
  });
});
