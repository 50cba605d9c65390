// The e2e run's accounts and secrets, and a sign-in through Auth.js's endpoints (as the login
// page does) that yields the session cookie for Playwright's storage state.
import path from "node:path";

const TMP = path.resolve(__dirname, "../../.tmp");

export const E2E = {
  admin: { username: "admin", password: "e2e admin password" },
  viewer: { username: "viewer", password: "e2e viewer password" },
  adminState: path.join(TMP, "e2e-state", "admin.json"),
  viewerState: path.join(TMP, "e2e-state", "viewer.json"),
  serverLog: path.join(TMP, "e2e-server.log"),
  // distinctive values: the security spec greps the built client bundles and the server log for them
  secrets: {
    AUTH_SECRET: "e2e-auth-secret-5d2c7b1e9a4f8c3d6e0b2a7f",
    REGISTRY_USERNAME: "e2e-registry-user",
    REGISTRY_PASSWORD: "e2e-registry-password-9f3a61c2d8",
    LAYERSCOPE_WEBHOOK_SECRET: "e2e-webhook-secret-7c41b9e2a6",
    // the GC operator's callback (the bodies spec posts to it; the runner itself is exec)
    GC_WEBHOOK_SECRET: "e2e-gc-webhook-secret-4e8a2d61f0",
  },
} as const;

export async function signInCookie(
  base: string,
  account: { username: string; password: string },
): Promise<{ name: string; value: string }> {
  const csrf = await fetch(`${base}/api/auth/csrf`);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const cookies = csrf.headers.getSetCookie().map((c) => c.split(";")[0]);
  const res = await fetch(`${base}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookies.join("; "), origin: base },
    body: new URLSearchParams({ csrfToken, username: account.username, password: account.password, callbackUrl: "/" }),
  });
  const session = res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0] ?? "")
    .find((c) => c.startsWith("layerscope.session-token="));
  if (!session) throw new Error(`sign-in as ${account.username} failed: ${res.status} ${res.headers.get("location")}`);
  const eq = session.indexOf("=");
  return { name: session.slice(0, eq), value: session.slice(eq + 1) };
}
