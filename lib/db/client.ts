import "server-only";
import { PrismaPg } from "@prisma/adapter-pg";
import { AppError } from "@/lib/errors";
import { getEnv } from "../env";
import { PrismaClient } from "./generated/client";

// One Prisma client per process (kept on globalThis so dev reloads don't open new pools).
const globalForDb = globalThis as unknown as { layerscopeDb?: PrismaClient };

export function databaseUrl(): string {
  const url = getEnv().DATABASE_URL;
  if (!url) {
    throw new AppError(
      "unavailable",
      "DATABASE_URL is not set: start Layerscope with `npm start` (which starts an embedded Postgres) or set DATABASE_URL",
    );
  }
  return url;
}

export function getDb(): PrismaClient {
  globalForDb.layerscopeDb ??= new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl(), max: 10 }) });
  return globalForDb.layerscopeDb;
}

export async function disconnectDb(): Promise<void> {
  const db = globalForDb.layerscopeDb;
  globalForDb.layerscopeDb = undefined;
  await db?.$disconnect();
}

export type Db = PrismaClient;
