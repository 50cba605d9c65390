// The namespace tree at any size: its levels come from the `namespaces` table that statement
// triggers keep in step with `repositories` (real Postgres). Checked against the tree recomputed
// from every repository name, through inserts, deletes, concurrent writers and keyset pages.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { SYSTEM } from "@/lib/auth/caller";
import type { NamespaceList } from "@/lib/contract/namespaces";
import type { Db } from "@/lib/db/client";
import { configureEnv, freshDatabase } from "./helpers";
import { closeServices } from "./teardown";

let db: Db;
let listNamespaces: typeof import("@/lib/services/repositories").listNamespaces;

beforeAll(async () => {
  configureEnv({ DATABASE_URL: await freshDatabase(inject("databaseUrl"), "namespaces"), LOG_LEVEL: "error" });
  ({ listNamespaces } = await import("@/lib/services/repositories"));
  db = (await import("@/lib/db/client")).getDb();
}, 120_000);

afterAll(() => closeServices());

type Node = NamespaceList["items"][number];

/** The tree's level under `prefix`, recomputed from every repository name (the oracle). */
function expectedLevel(names: string[], prefix: string): Node[] {
  const base = prefix ? `${prefix}/` : "";
  const level = new Map<string, Node>();
  for (const name of names) {
    if (!name.startsWith(base)) continue;
    const rest = name.slice(base.length);
    const segment = rest.split("/")[0] ?? "";
    const path = base + segment;
    const node = level.get(path) ?? { path, repositoryCount: 0, isRepository: false };
    node.repositoryCount++;
    if (rest === segment) node.isRepository = true;
    level.set(path, node);
  }
  return [...level.values()];
}

/** Every page of a level, through the service, limit at a time. */
async function wholeLevel(prefix: string, limit: number): Promise<Node[]> {
  const out: Node[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await listNamespaces(SYSTEM, { prefix, limit, cursor });
    out.push(...page.items);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
  throw new Error("no end of pages");
}

const byPath = (a: Node, b: Node) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

async function expectTree(prefixes: string[]) {
  const names = (await db.repository.findMany({ select: { name: true } })).map((r) => r.name);
  for (const prefix of prefixes) {
    for (const limit of [1, 2, 200]) {
      const got = await wholeLevel(prefix, limit);
      // each child exactly once, whatever the page size
      expect(new Set(got.map((n) => n.path)).size, `${prefix} by ${limit}`).toBe(got.length);
      expect([...got].sort(byPath), `${prefix} by ${limit}`).toEqual(expectedLevel(names, prefix).sort(byPath));
    }
  }
  const root = await listNamespaces(SYSTEM, { prefix: "" });
  expect(root.repositoryCount).toBe(names.length);
}

describe("namespace tree", () => {
  const names = ["a", "a/b", "a/b/c", "a-b/x", "a.b/y", "team/app", "team/api", "team/web/ui", "z"];

  it("lists each level with its repository counts, in keyset pages", async () => {
    await db.repository.createMany({ data: names.map((name) => ({ name })) });
    await expectTree(["", "a", "a/b", "team", "team/web", "nothing"]);
    const team = await listNamespaces(SYSTEM, { prefix: "team/" });
    expect(team.prefix).toBe("team");
    expect(team.repositoryCount).toBe(3);
    expect(team.items).toEqual([
      { path: "team/api", repositoryCount: 1, isRepository: true },
      { path: "team/app", repositoryCount: 1, isRepository: true },
      { path: "team/web", repositoryCount: 1, isRepository: false },
    ]);
  });

  it("follows deletes: counts drop, emptied namespaces vanish, a repository with children stays a namespace", async () => {
    await db.repository.deleteMany({ where: { name: { in: ["a", "team/web/ui", "a-b/x"] } } });
    await expectTree(["", "a", "team", "team/web"]);
    const root = await listNamespaces(SYSTEM, { prefix: "" });
    expect(root.items.find((n) => n.path === "a")).toEqual({ path: "a", repositoryCount: 2, isRepository: false });
    expect(root.items.find((n) => n.path === "a-b")).toBeUndefined();
    expect((await listNamespaces(SYSTEM, { prefix: "team" })).items.map((n) => n.path)).toEqual(["team/api", "team/app"]);
  });

  it("stays exact under concurrent writers inserting and deleting in different orders (no deadlock)", async () => {
    const fleet = Array.from({ length: 400 }, (_, i) => `fleet/team-${i % 7}/svc-${i}`);
    const chunks = Array.from({ length: 8 }, (_, k) => fleet.filter((_, i) => i % 8 === k));
    // half the writers insert their names reversed: shared prefixes are reached in opposite orders
    await Promise.all(
      chunks.map((chunk, k) => db.repository.createMany({ data: (k % 2 ? [...chunk].reverse() : chunk).map((name) => ({ name })) })),
    );
    await Promise.all(chunks.slice(0, 4).map((chunk) => db.repository.deleteMany({ where: { name: { in: chunk.slice(0, 20) } } })));
    await expectTree(["", "fleet", "fleet/team-3"]);
  });

  it("refuses a prefix that is not a repository name, and is emptied with the repositories", async () => {
    await expect(listNamespaces(SYSTEM, { prefix: "Bad Name" })).rejects.toMatchObject({ code: "bad_request" });
    await db.$executeRawUnsafe("TRUNCATE repositories CASCADE");
    expect(await listNamespaces(SYSTEM, { prefix: "" })).toEqual({ prefix: "", repositoryCount: 0, items: [], nextCursor: null });
  });
});
