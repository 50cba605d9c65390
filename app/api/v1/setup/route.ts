import { setupBody } from "@/lib/contract/accounts";
import { json, route } from "@/lib/http/route";
import { createFirstAdmin, setupNeeded } from "@/lib/services/users";

export const dynamic = "force-dynamic";

// First run: while no user exists, anyone who can reach the server creates the admin — once.
// Set LAYERSCOPE_ADMIN_USER/LAYERSCOPE_ADMIN_PASSWORD to skip this on exposed deployments.
export const GET = route({ auth: "public" }, async () => ({ needed: await setupNeeded() }));

export const POST = route({ auth: "public", body: setupBody }, async ({ body, ip }) =>
  json(await createFirstAdmin(body.username, body.password, ip), 201),
);
