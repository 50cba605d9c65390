// Auth.js (next-auth v5): the sign-in endpoints under /api/auth and the session cookie. Who a
// cookie belongs to is read back by lib/http/caller.ts, which re-checks the user on every request.
import "server-only";
import { randomUUID } from "node:crypto";
import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import { z } from "zod";
import { AppError, errorMessage } from "@/lib/errors";
import { idTokenSignatureValid } from "../auth/id-token";
import { getEnv } from "../env";
import { logger } from "../log";
import { authenticatePassword, endSession, sessionClaimsFor, upsertOidcUser, userIdForOidcSubject } from "../services/users";
import { authSecret, clientIp, SESSION_COOKIE } from "./caller";

const SESSION_HOURS = 12;

class RateLimited extends CredentialsSignin {
  override code = "rate_limited";
}

const credentials = z.object({ username: z.string().max(256), password: z.string().max(1024) });

const profileSchema = z.object({
  sub: z.string().min(1),
  preferred_username: z.string().optional(),
  email: z.string().optional(),
  name: z.string().optional(),
});

function oidcGroups(profile: Record<string, unknown>): string[] {
  const raw = profile[getEnv().OIDC_GROUPS_CLAIM];
  if (Array.isArray(raw)) return raw.filter((g): g is string => typeof g === "string");
  return typeof raw === "string" ? [raw] : [];
}

function config(): NextAuthConfig {
  const env = getEnv();
  const providers: NextAuthConfig["providers"] = [
    Credentials({
      id: "credentials",
      name: "Password",
      credentials: { username: { label: "User name" }, password: { label: "Password", type: "password" } },
      async authorize(input, request) {
        const parsed = credentials.safeParse(input);
        if (!parsed.success) return null;
        try {
          const caller = await authenticatePassword(parsed.data.username, parsed.data.password, {
            ip: clientIp(request.headers),
            via: "form",
          });
          return { id: String(caller.id), name: caller.username };
        } catch (e) {
          if (e instanceof AppError && e.code === "rate_limited") throw new RateLimited();
          if (e instanceof AppError && e.code === "unauthorized") return null;
          throw e;
        }
      },
    }),
  ];
  if (env.OIDC_ISSUER && env.OIDC_CLIENT_ID && env.OIDC_CLIENT_SECRET) {
    providers.push({
      id: "oidc",
      name: env.OIDC_NAME,
      type: "oidc",
      issuer: env.OIDC_ISSUER,
      clientId: env.OIDC_CLIENT_ID,
      clientSecret: env.OIDC_CLIENT_SECRET,
      authorization: { params: { scope: "openid profile email groups" } },
      checks: ["pkce", "state", "nonce"],
    });
  }
  return {
    secret: authSecret(),
    trustHost: true,
    providers,
    pages: { signIn: "/login", error: "/login" },
    session: { strategy: "jwt", maxAge: SESSION_HOURS * 3600 },
    // sameSite=lax + httpOnly (Auth.js defaults); the name is fixed so caller.ts can read it back
    cookies: { sessionToken: { name: SESSION_COOKIE } },
    callbacks: {
      async signIn({ account, profile }) {
        if (account?.provider !== "oidc") return true;
        const signed = await idTokenSignatureValid(account.id_token ?? "", env.OIDC_ISSUER ?? "", env.OIDC_CLIENT_SECRET ?? "").catch(
          (e: unknown) => {
            logger.warn("OIDC sign-in: could not check the ID token's signature", { error: errorMessage(e) });
            return false;
          },
        );
        if (!signed) {
          logger.warn("OIDC sign-in refused: the ID token's signature does not verify against the issuer's keys");
          return false;
        }
        const p = profileSchema.safeParse(profile);
        if (!p.success || !profile) return false;
        const userId = await upsertOidcUser(
          {
            subject: `${env.OIDC_ISSUER}#${p.data.sub}`,
            username: (p.data.preferred_username ?? p.data.email ?? p.data.sub).toLowerCase().slice(0, 64),
            name: p.data.name ?? null,
            groups: oidcGroups(profile),
          },
          null,
        );
        return userId === null ? "/login?error=AccessDenied" : true;
      },
      async jwt({ token, user, account }) {
        // only at sign-in: afterwards the claims are fixed until the cookie expires
        if (account) {
          const id =
            account.provider === "oidc" ? await userIdForOidcSubject(`${env.OIDC_ISSUER}#${account.providerAccountId}`) : Number(user?.id);
          if (id === null || !Number.isSafeInteger(id)) return null;
          const claims = await sessionClaimsFor(id);
          // sid names this sign-in, so that signing out can end it (and only it) on the server
          return { ...token, uid: claims.uid, sv: claims.sv, sid: randomUUID() };
        }
        return token;
      },
      session({ session }) {
        // the browser learns who it is from /api/v1/me, not from the session endpoint
        return session;
      },
    },
    events: {
      // a cookie is valid until it expires unless the server remembers otherwise: signing out records
      // the session as ended, so a copy of this cookie stops working (the user's other sessions do not)
      async signOut(message) {
        const token = "token" in message ? message.token : null;
        if (typeof token?.uid !== "number" || typeof token.sv !== "number") return;
        await endSession({
          uid: token.uid,
          sv: token.sv,
          ...(typeof token.sid === "string" ? { sid: token.sid } : {}),
          ...(typeof token.exp === "number" ? { exp: token.exp } : {}),
        });
      },
    },
    logger: {
      error: (e) => logger.warn("auth", { error: e.message }),
      warn: (code) => logger.debug("auth warning", { code }),
      debug: () => undefined,
    },
  };
}

export const { handlers } = NextAuth(() => config());
