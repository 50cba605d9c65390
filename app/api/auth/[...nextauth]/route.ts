// Auth.js's own endpoints (sign-in form post, OIDC callback, sign-out, CSRF token). They carry
// their own CSRF protection; everything else goes through lib/http/route.ts.
import type { NextRequest } from "next/server";
import { handlers } from "@/lib/auth/next-auth";

export const dynamic = "force-dynamic";

export const GET = (req: NextRequest) => handlers.GET(req);
export const POST = (req: NextRequest) => handlers.POST(req);
