import { z } from "zod";
import { route } from "@/lib/http/route";
import { updateUserBody } from "@/lib/services/api-types";
import { updateUser } from "@/lib/services/users";

export const dynamic = "force-dynamic";

const params = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(2 ** 31 - 1),
});

// role, disabled, display name, grants, or an admin's password reset
export const PATCH = route({ auth: "admin", params, body: updateUserBody }, ({ caller, params, body, ip }) =>
  updateUser(caller, params.id, body, ip),
);
