import type { Metadata } from "next";
import { ApiReference } from "@/components/api-docs/api-reference";
import { PageHeader } from "@/components/ui/page-header";

export const dynamic = "force-dynamic";

export const metadata: Metadata = { title: "API" };

const DOCUMENT = "/api/v1/openapi.json";

export default function ApiDocsPage() {
  return (
    <>
      <PageHeader
        title="API"
        description={
          <>
            Every <code>/api/v1</code> route, generated from the schemas the routes validate with. Authenticate with an API token from your
            profile (<code>Authorization: Bearer lsc_…</code>). The document itself:{" "}
            <a className="underline" href={DOCUMENT}>
              {DOCUMENT}
            </a>
            .
          </>
        }
      />
      <ApiReference url={DOCUMENT} />
    </>
  );
}
