import { describe, expect, it } from "vitest";
import { repositorySort, tagSort } from "@/lib/contract/repositories";
import { REPOSITORY_SORTS, TAG_SORTS } from "@/lib/contract/sorts";
import { ApiRequestError, parseJson, request } from "@/lib/queries/client";
import { repositoryListParamsFromSearch, tagListParamsFromSearch } from "@/lib/queries/repositories";

const json = (body: unknown, status = 200) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

const tagPage = {
  repository: { name: "team/app", tagCount: 0, sizeBytes: 0, updatedAt: null, tagsVersion: "0" },
  items: [],
  total: 0,
  nextCursor: null,
};

// The browser checks the API's answers against the contract's schemas, which load with its first request
// (`loadSchemas`) instead of with every page's scripts.
describe("API answers in the browser", () => {
  it("parses an answer against the named schema", async () => {
    const page = await parseJson(json(tagPage), "/api/v1/repositories/team/app/tags?limit=50", "tagList");
    expect(page.total).toBe(0);
    expect(page.nextCursor).toBeNull();
  });

  it("turns an answer of the wrong shape into an invalid_response error that names the path, not the query", async () => {
    const error = await parseJson(json({ items: "no" }), "/api/v1/repositories/team/app/tags?q=x", "tagList").catch((e) => e);
    expect(error).toBeInstanceOf(ApiRequestError);
    expect(error).toMatchObject({ code: "invalid_response", message: "Unexpected response from /api/v1/repositories/team/app/tags" });
  });

  it("turns a body that is not JSON into the same error", async () => {
    const error = await parseJson(json("<html>proxy error</html>"), "/api/v1/me", "me").catch((e) => e);
    expect(error).toMatchObject({ code: "invalid_response" });
  });

  it("reads the API's error body, or falls back to the status line", async () => {
    const original = globalThis.fetch;
    try {
      globalThis.fetch = async () => json({ error: { code: "not_found", message: "No repository team/gone" } }, 404);
      await expect(request("/api/v1/repositories/team/gone/tags", {})).rejects.toMatchObject({
        status: 404,
        code: "not_found",
        message: "No repository team/gone",
      });
      globalThis.fetch = async () => new Response("bad gateway", { status: 502, statusText: "Bad Gateway" });
      await expect(request("/api/v1/me", {})).rejects.toMatchObject({ status: 502, code: "http_502", message: "502 Bad Gateway" });
    } finally {
      globalThis.fetch = original;
    }
  });
});

// The sorts in a URL are read without zod (the page would load it to read them); the schemas use the same values.
describe("sorts read from the URL", () => {
  it("keeps a known sort and order and drops unknown ones for the defaults", () => {
    expect(tagListParamsFromSearch(new URLSearchParams("sort=created&order=asc"))).toMatchObject({ sort: "created", order: "asc" });
    expect(tagListParamsFromSearch(new URLSearchParams("sort=bogus&order=sideways"))).toMatchObject({ sort: "semver", order: "desc" });
    expect(repositoryListParamsFromSearch({ sort: "tags", order: "asc" })).toMatchObject({ sort: "tags", order: "asc" });
    expect(repositoryListParamsFromSearch({ sort: "__proto__" })).toMatchObject({ sort: "name", order: "asc" });
  });

  it("are the values the API's schemas accept", () => {
    expect(tagSort.options).toEqual([...TAG_SORTS]);
    expect(repositorySort.options).toEqual([...REPOSITORY_SORTS]);
  });
});
