import { route } from "@/lib/http/route";
import { getMe } from "@/lib/services/users";

export const dynamic = "force-dynamic";

export const GET = route({ auth: "viewer" }, ({ caller }) => getMe(caller));
