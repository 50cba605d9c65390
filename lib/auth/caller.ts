// Who is calling: the caller of a request or a job, as services see it. Pure types: resolving a
// request's credentials into a Caller (which needs the database) is lib/http/caller.ts.
import type { Grant, Role } from "./roles";

export type CallerVia = "session" | "token" | "basic";

export type Caller =
  | {
      kind: "user";
      id: number;
      username: string;
      name: string;
      provider: string;
      role: Role;
      grants: Grant[];
      via: CallerVia;
    }
  | { kind: "anonymous"; role: "viewer"; grants: [] }
  // background jobs act as the system
  | { kind: "system"; role: "admin"; grants: [] };

export type UserCaller = Extract<Caller, { kind: "user" }>;

export const ANONYMOUS: Caller = { kind: "anonymous", role: "viewer", grants: [] };
export const SYSTEM: Caller = { kind: "system", role: "admin", grants: [] };

/** `sid` names one sign-in (sessions from before it was added have none); `exp` is the cookie's expiry (seconds). */
export type SessionClaims = { uid: number; sv: number; sid?: string; exp?: number };
