// A fresh script nonce for every page request (Next 16's proxy, formerly middleware). The page's
// Content-Security-Policy allows only scripts carrying it, so HTML injected into a page cannot run script: Next reads
// the nonce from the request's policy and puts it on its own scripts; app/layout.tsx puts it on the theme script.
// Pages are rendered per request (app/layout.tsx awaits connection()), which nonces need.
// API answers, static files and icons keep the static policy of next.config.js (no inline script at all).
import { type NextRequest, NextResponse } from "next/server";

/** The request header app/layout.tsx reads the nonce from. */
const NONCE_HEADER = "x-nonce";

/** Keep in step with next.config.js, whose policy differs only in script-src (tests/e2e/security.spec.ts checks). */
export function pageContentSecurityPolicy(nonce: string, dev: boolean): string {
  return [
    "default-src 'self'",
    // 'strict-dynamic': the chunks Next's nonced scripts load are trusted; 'unsafe-eval' only for React's dev tooling
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

export function proxy(request: NextRequest): NextResponse {
  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const policy = pageContentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set(NONCE_HEADER, nonce);
  requestHeaders.set("content-security-policy", policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set("content-security-policy", policy);
  return response;
}

export const config = {
  matcher: [
    // every page; not API routes (JSON, and a proxy would copy their bodies), built assets, icons, screenshots
    "/((?!api/|_next/static/|_next/image|favicon\\.ico$|icon\\.svg$|screenshots/).*)",
  ],
};
