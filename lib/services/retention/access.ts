// Who may read which retention policies (and their runs).
import "server-only";
import { AppError } from "@/lib/errors";
import type { Caller } from "../../auth/caller";
import { authorize, principal } from "../../auth/permissions";
import { heldPermissions, roleAtLeast } from "../../auth/roles";
import type { Db } from "../../db/client";
import type { RetentionPolicy as PolicyRow } from "../../db/generated/client";
import { globWithin } from "../../retention/repository-glob";

/** Reading policies and previewing: editors, including those whose editor role comes from a grant. */
export function authorizeRead(caller: Caller): void {
  if (heldPermissions(principal(caller)).includes("retention:preview")) return;
  authorize(caller, "retention:preview");
}

/**
 * Whether the caller may see a policy (and its runs, plans included): admins and editors by their
 * own role see every policy; someone whose editor role comes from grants sees the policies whose
 * repository glob lies within one of their editor (or admin) grants, i.e. whose every repository,
 * present or future, they may preview. Others get 404, as if the policy did not exist.
 */
export function policyVisible(caller: Caller, repositoryGlob: string): boolean {
  const p = principal(caller);
  if (p.anonymous) return false;
  if (roleAtLeast(p.role, "editor")) return true;
  return p.grants.some((g) => roleAtLeast(g.role, "editor") && globWithin(repositoryGlob, g.pattern));
}

export async function loadVisiblePolicy(db: Db, caller: Caller, id: number): Promise<PolicyRow> {
  const p = await db.retentionPolicy.findUnique({ where: { id } });
  if (!p || !policyVisible(caller, p.repositoryGlob)) throw new AppError("not_found", `no retention policy ${id}`);
  return p;
}

export async function loadPolicy(db: Db, id: number): Promise<PolicyRow> {
  const p = await db.retentionPolicy.findUnique({ where: { id } });
  if (!p) throw new AppError("not_found", `no retention policy ${id}`);
  return p;
}
