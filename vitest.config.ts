import path from "node:path";
import { defineConfig } from "vitest/config";

const alias = {
  "@": path.resolve(__dirname),
  // server-only throws outside a React Server Components bundle; tests run services directly
  "server-only": path.resolve(__dirname, "tests/fixtures/server-only.ts"),
};

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      { resolve: { alias }, test: { name: "unit", include: ["tests/unit/**/*.test.ts"], environment: "node" } },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          globalSetup: ["tests/integration/global-setup.ts"],
          environment: "node",
          testTimeout: 120_000,
          hookTimeout: 300_000,
          // one registry + Postgres per file is cheap, but the 2-core machine prefers files one at a time
          fileParallelism: false,
          // next-auth imports "next/server" without an extension, which only a bundler resolves
          server: { deps: { inline: ["next-auth"] } },
        },
      },
    ],
  },
});
