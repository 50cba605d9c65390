// Dependencies point one way, and this test keeps them so (docs/architecture.md, "Layers point one way").
// Like the role matrix, it discovers every source file on disk: a new file must land in a room of the table below,
// and a new import must be allowed by it. Every import counts: `import type`, re-exports and `await import(...)`
// too, since a type-only or late import between two rooms is still a dependency a reader has to hold in mind.
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkRooms,
  checkRoomTable,
  compilerOptionsOf,
  emptyRooms,
  findCycles,
  listSourceFiles,
  type Room,
  readImports,
} from "./architecture/imports";

const root = path.resolve(__dirname, "../..");

// Server-side packages a pure room must not use: pure code computes on what it is given.
const IO_PACKAGES = [
  "server-only",
  "node:fs",
  "node:child_process",
  "node:http",
  "node:https",
  "node:net",
  "node:dns",
  "pg",
  "pg-boss",
  "@prisma/client",
  "@prisma/adapter-pg",
  "next",
];
const SHARED = ["lib/errors", "lib/env", "lib/log", "lib/metrics"];
const PURE = ["lib/oci", "lib/layers", "lib/retention", "pure validators"];

/**
 * The rooms, top to bottom, and what each may import (besides itself). Longest path wins, so a file listed on its
 * own belongs to that room, not to its folder's.
 */
const ROOMS: readonly Room[] = [
  // entry points: nothing imports them
  { name: "scripts", paths: ["scripts/"], mayImport: ["lib/db", ...SHARED] },
  { name: "entry", paths: ["instrumentation.ts", "proxy.ts"], mayImport: ["lib/http", "lib/jobs/handlers", "lib/services", ...SHARED] },

  {
    name: "app",
    paths: ["app/"],
    mayImport: [
      "components",
      "lib/queries/server",
      "lib/queries",
      "lib/http",
      "lib/openapi",
      "lib/services",
      "lib/contract",
      "lib/auth",
      ...PURE,
      ...SHARED,
    ],
  },
  // client code (and what it imports: lib/queries, lib/contract, the pure rooms): never a server room, not even
  // lib/env, lib/log or lib/metrics
  {
    name: "components",
    paths: ["components/"],
    mayImport: ["lib/queries", "lib/contract", ...PURE, "lib/errors"],
  },
  // server-side prefetch with the same query keys, filled by calling services
  {
    name: "lib/queries/server",
    paths: ["lib/queries/server.ts"],
    mayImport: ["lib/queries", "lib/http", "lib/services", "lib/contract", "lib/auth", ...PURE, ...SHARED],
  },
  { name: "lib/queries", paths: ["lib/queries/"], mayImport: ["lib/contract", ...PURE, "lib/errors"] },
  { name: "lib/openapi", paths: ["lib/openapi/"], mayImport: ["lib/http", "lib/contract", ...PURE, ...SHARED] },
  // the route wrapper and request authentication: between app and services
  { name: "lib/http", paths: ["lib/http/"], mayImport: ["lib/services", "lib/auth", "lib/registry", "lib/contract", ...PURE, ...SHARED] },
  // job handlers and the worker that runs them sit above services; definitions and the queue sit below
  {
    name: "lib/jobs/handlers",
    paths: ["lib/jobs/handlers/", "lib/jobs/worker.ts", "lib/jobs/shutdown.ts"],
    mayImport: ["lib/services", "lib/jobs", "lib/db", "lib/contract", ...PURE, ...SHARED],
  },
  {
    name: "lib/services",
    paths: ["lib/services/"],
    mayImport: ["lib/jobs", "lib/registry", "lib/db", "lib/storage", "lib/gc", "lib/auth", "lib/contract", ...PURE, ...SHARED],
  },
  { name: "lib/jobs", paths: ["lib/jobs/"], mayImport: ["lib/db", "lib/contract", ...PURE, ...SHARED] },
  // zod schemas and types of the API: client-safe, so zod is its only package and pure rooms its only imports
  { name: "lib/contract", paths: ["lib/contract/"], mayImport: [...PURE, "lib/errors"], packages: { allow: ["zod"] } },

  { name: "lib/registry", paths: ["lib/registry/"], mayImport: [...PURE, ...SHARED] },
  { name: "lib/storage", paths: ["lib/storage/"], mayImport: [...PURE, ...SHARED] },
  { name: "lib/gc", paths: ["lib/gc/"], mayImport: [...PURE, ...SHARED] },
  { name: "lib/auth", paths: ["lib/auth/"], mayImport: [...PURE, ...SHARED] },
  { name: "lib/db", paths: ["lib/db/"], mayImport: SHARED },

  // shared by everyone; they import nothing of ours but each other (and lib/env its pure validators)
  { name: "lib/metrics", paths: ["lib/metrics.ts"], mayImport: ["lib/log", "lib/env", "lib/errors"] },
  { name: "lib/log", paths: ["lib/log.ts"], mayImport: ["lib/env", "lib/errors"] },
  { name: "lib/env", paths: ["lib/env.ts"], mayImport: ["lib/errors", ...PURE] },

  // pure: no I/O, only each other (downwards) and lib/errors
  {
    // pure modules that live beside their I/O room because that is where a reader looks for them; lib/env
    // validates settings with them, so they are held to the pure rule
    name: "pure validators",
    paths: ["lib/auth/roles.ts", "lib/auth/client-address.ts", "lib/gc/config.ts"],
    mayImport: ["lib/retention", "lib/oci", "lib/errors"],
    packages: { deny: IO_PACKAGES.filter((p) => p !== "node:net") }, // node:net only for isIP
  },
  { name: "lib/layers", paths: ["lib/layers/"], mayImport: ["lib/oci", "lib/errors"], packages: { deny: IO_PACKAGES } },
  { name: "lib/retention", paths: ["lib/retention/"], mayImport: ["lib/oci", "lib/errors"], packages: { deny: IO_PACKAGES } },
  { name: "lib/oci", paths: ["lib/oci/"], mayImport: ["lib/errors"], packages: { deny: IO_PACKAGES } },
  { name: "lib/errors", paths: ["lib/errors.ts"], mayImport: [] },
];

const options = compilerOptionsOf(path.join(root, "tsconfig.json"));

describe("the import checker (fixtures)", () => {
  it("reports a cycle as a path, a → b → a, and nothing for a file that only imports into it", () => {
    const fixture = path.join(__dirname, "fixtures/architecture/cycle");
    const files = listSourceFiles(fixture, [""]);
    expect(files).toEqual(["a.ts", "b.ts", "c.ts"]);
    expect(findCycles(readImports(fixture, files, options))).toEqual(["a.ts → b.ts → a.ts"]);
  });

  it("reports a pure room importing the database: static, type-only and await import alike", () => {
    const fixture = path.join(__dirname, "fixtures/architecture/forbidden");
    const files = listSourceFiles(fixture, ["lib"]);
    const rooms: Room[] = [
      { name: "lib/db", paths: ["lib/db/"], mayImport: [] },
      { name: "lib/oci", paths: ["lib/oci/"], mayImport: [] },
    ];
    const edges = readImports(fixture, files, options);
    expect(checkRooms(files, edges, rooms)).toEqual([
      "lib/oci/digest.ts:2 (lib/oci) imports lib/db/client.ts (lib/db) (type-only)",
      "lib/oci/digest.ts:3 (lib/oci) imports lib/db/client.ts (lib/db)",
      "lib/oci/digest.ts:7 (lib/oci) imports lib/db/client.ts (lib/db) (await import)",
    ]);
    expect(findCycles(edges)).toEqual([]);
    // and the same files in rooms that allow it are clean; a file in no room is reported
    expect(checkRooms(files, edges, [rooms[0] as Room, { ...(rooms[1] as Room), mayImport: ["lib/db"] }])).toEqual([]);
    expect(checkRooms(files, edges, [rooms[1] as Room])).toContain("lib/db/client.ts is in no room: add it to the room table");
  });

  it("rejects an allow-list that goes round", () => {
    expect(
      checkRoomTable([
        { name: "up", paths: ["up/"], mayImport: ["down"] },
        { name: "down", paths: ["down/"], mayImport: ["up"] },
      ]),
    ).toEqual(["the allow-list goes round: down → up → down"]);
  });
});

describe("the tree's imports", () => {
  const files = listSourceFiles(root, ["app", "components", "lib", "scripts", "instrumentation.ts", "proxy.ts"], ["lib/db/generated"]);
  const edges = readImports(root, files, options);

  it("finds the tree (a sanity check that discovery works)", () => {
    expect(files).toContain("lib/env.ts");
    expect(files).toContain("instrumentation.ts");
    expect(files.some((f) => f.startsWith("scripts/"))).toBe(true);
    expect(edges.filter((e) => e.kind === "dynamic" && e.to !== null).length).toBeGreaterThan(0);
  });

  it("the room table names real rooms, every room holds a file, and the allow-list points one way", () => {
    expect(checkRoomTable(ROOMS)).toEqual([]);
    expect(emptyRooms(files, ROOMS)).toEqual([]);
  });

  it("has no import cycles", () => {
    expect(findCycles(edges)).toEqual([]);
  });

  it("imports only what the room table allows", () => {
    expect(checkRooms(files, edges, ROOMS)).toEqual([]);
  });
});
