// The one place a service asks "may this caller do that?". Pages, API routes and jobs all call
// services, so checking there covers every way in. Pure: it decides from the caller alone (role and
// grants travel with it), no database.
import { AppError } from "@/lib/errors";
import type { Caller } from "./caller";
import { allows, type Permission, type Principal } from "./roles";

export function principal(caller: Caller): Principal {
  return { role: caller.role, grants: caller.grants, anonymous: caller.kind === "anonymous" };
}

export function can(caller: Caller, permission: Permission, repository?: string): boolean {
  return allows(principal(caller), permission, repository);
}

/** Throws 401 for anonymous callers who need to sign in, 403 for signed-in callers without the role. */
export function authorize(caller: Caller, permission: Permission, repository?: string): void {
  if (can(caller, permission, repository)) return;
  if (caller.kind === "anonymous") throw new AppError("unauthorized", "sign in to do this");
  const where = repository ? ` on ${repository}` : "";
  throw new AppError("forbidden", `your role does not allow ${permission}${where}`);
}

/** For actions on one's own account (password, tokens): any signed-in user. */
export function requireUser(caller: Caller): asserts caller is Extract<Caller, { kind: "user" }> {
  if (caller.kind !== "user") throw new AppError("unauthorized", "sign in to do this");
}
