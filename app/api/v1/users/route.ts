import { createUserBody } from "@/lib/contract/accounts";
import { json, route } from "@/lib/http/route";
import { createUser, listUsers } from "@/lib/services/users";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "admin" }, ({ caller }) => listUsers(caller));

export const POST = route({ auth: "admin", body: createUserBody }, async ({ caller, body, ip }) =>
  json(await createUser(caller, body, ip), 201),
);
