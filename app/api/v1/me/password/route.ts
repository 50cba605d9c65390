import { changePasswordBody } from "@/lib/contract/accounts";
import { route } from "@/lib/http/route";
import { changeOwnPassword } from "@/lib/services/users";

export const dynamic = "force-dynamic";

// Changing the password signs out every other session (and this one: the page signs in again) and
// revokes the account's API tokens: the answer says how many, `{ tokensRevoked }`.
export const POST = route({ auth: "user", body: changePasswordBody }, ({ caller, body, ip }) =>
  changeOwnPassword(caller, body.currentPassword, body.newPassword, ip),
);
