import { updateUserBody } from "@/lib/contract/accounts";
import { idParam, route } from "@/lib/http/route";
import { updateUser } from "@/lib/services/users";

export const dynamic = "force-dynamic";

// role, disabled, display name, grants, or an admin's password reset
export const PATCH = route({ auth: "admin", params: idParam, body: updateUserBody }, ({ caller, params, body, ip }) =>
  updateUser(caller, params.id, body, ip),
);
