import { route } from "@/lib/http/route";
import { changePasswordBody } from "@/lib/services/api-types";
import { changeOwnPassword } from "@/lib/services/users";

export const dynamic = "force-dynamic";

// Changing the password signs out every other session (and this one: the page signs in again).
export const POST = route({ auth: "user", body: changePasswordBody }, async ({ caller, body, ip }) => {
  await changeOwnPassword(caller, body.currentPassword, body.newPassword, ip);
  return new Response(null, { status: 204 });
});
