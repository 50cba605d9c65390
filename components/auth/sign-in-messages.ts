// What the sign-in page says about a failed attempt. Auth.js reports failures as an `error` name
// (and, for credentials, a `code`) in its result or in the query string of /login.

export const RATE_LIMITED_MESSAGE = "Too many failed sign-in attempts. Try again in 15 minutes.";
export const WRONG_CREDENTIALS_MESSAGE = "Wrong user name or password.";

/** The message for a sign-in error, or null for none. Never echoes the (user-controlled) value itself. */
export function signInErrorMessage(error: string | null | undefined, code?: string | null): string | null {
  if (!error) return null;
  if (code === "rate_limited") return RATE_LIMITED_MESSAGE;
  switch (error) {
    case "CredentialsSignin":
      return WRONG_CREDENTIALS_MESSAGE;
    case "AccessDenied":
      return "Your single sign-on account is not allowed to use Layerscope: it is in none of the groups that give access. Ask an administrator to add you.";
    case "Verification":
    case "OAuthCallbackError":
    case "OAuthSignInError":
    case "CallbackRouteError":
      return "Single sign-on did not complete. Try again.";
    default:
      return "Sign-in failed. Try again, or ask an administrator to check the server log.";
  }
}
