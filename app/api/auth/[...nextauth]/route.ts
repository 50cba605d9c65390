// Auth.js's own endpoints (sign-in form post, OIDC callback, sign-out, CSRF token). They carry
// their own CSRF protection; everything else goes through lib/http/route.ts. Bodies are read here
// first, as a stream with a limit (a sign-in form is a few hundred bytes): Auth.js would read any size.
import { NextRequest } from "next/server";
import { headersForBufferedBody, readBodyLimited } from "@/lib/http/body";
import { errorResponse, toAppError } from "@/lib/http/route";
import { handlers } from "@/lib/http/session";

export const dynamic = "force-dynamic";

/** Sign-in forms, OIDC form_post callbacks and sign-out posts all fit with room to spare. */
const MAX_AUTH_BODY = 64 * 1024;

export const GET = (req: NextRequest) => handlers.GET(req);

export const POST = async (req: NextRequest) => {
  let body: Buffer;
  try {
    body = await readBodyLimited(req, MAX_AUTH_BODY);
  } catch (e) {
    return errorResponse(toAppError(e));
  }
  return handlers.POST(
    new NextRequest(req.url, { method: req.method, headers: headersForBufferedBody(req.headers), body: new Uint8Array(body) }),
  );
};
