import { defineConfig } from "prisma/config";

// `env("DATABASE_URL")` throws when unset and would break `prisma generate`; the app
// itself never reads this file (lib/db builds its own connection from lib/env).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/layerscope" },
});
