// What an SBOM document says about itself (SPDX or CycloneDX JSON, bare or as the predicate of an in-toto
// statement, itself possibly in a DSSE envelope as cosign attaches it). Pure: parses text already read.

export type SbomSummary = { format: "SPDX" | "CycloneDX"; version: string | null; name: string | null; packageCount: number };

const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
const count = (v: unknown) => (Array.isArray(v) ? v.length : 0);
const record = (v: unknown): Record<string, unknown> | null =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;

function summarizeDocument(doc: Record<string, unknown>, depth: number): SbomSummary | null {
  if (typeof doc.spdxVersion === "string") {
    return { format: "SPDX", version: doc.spdxVersion.replace(/^SPDX-/, ""), name: str(doc.name), packageCount: count(doc.packages) };
  }
  if (doc.bomFormat === "CycloneDX") {
    const component = record(record(doc.metadata)?.component);
    return { format: "CycloneDX", version: str(doc.specVersion), name: str(component?.name), packageCount: count(doc.components) };
  }
  if (depth > 2) return null;
  // an in-toto statement carries the document as its predicate
  const predicate = record(doc.predicate);
  if (predicate) return summarizeDocument(record(predicate.Data) ?? predicate, depth + 1);
  // a DSSE envelope carries the statement base64-encoded
  if (typeof doc.payload === "string" && typeof doc.payloadType === "string") {
    const inner = parseObject(Buffer.from(doc.payload, "base64").toString("utf8"));
    return inner ? summarizeDocument(inner, depth + 1) : null;
  }
  return null;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    return record(JSON.parse(text));
  } catch {
    return null;
  }
}

/** Format, version, document name and package count of an SBOM; null when the text is not one. */
export function summarizeSbom(text: string): SbomSummary | null {
  const doc = parseObject(text);
  return doc ? summarizeDocument(doc, 0) : null;
}
