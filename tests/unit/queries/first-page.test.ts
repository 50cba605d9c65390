import { describe, expect, it } from "vitest";
import {
  FIRST_PAGE_SIZE,
  REPOSITORY_PAGE_SIZE,
  repositoryListParams,
  repositoryListQueryFor,
  TAG_PAGE_SIZE,
  tagListParams,
  tagListQueryFor,
} from "@/lib/queries/repositories";

// The first page is what the server renders into the page: small, so the page's HTML stays small (1,000 tags made it
// 1 MB); the pages behind it, loaded while scrolling, are big.
describe("list page sizes", () => {
  it("asks for a small first page of tags, then big pages after a cursor", () => {
    const params = tagListParams({ sort: "semver" });
    expect(tagListQueryFor(params, null).limit).toBe(FIRST_PAGE_SIZE);
    expect(tagListQueryFor(params, "cursor").limit).toBe(TAG_PAGE_SIZE);
    expect(FIRST_PAGE_SIZE).toBeLessThan(TAG_PAGE_SIZE);
  });

  it("does the same for repositories", () => {
    const params = repositoryListParams({});
    expect(repositoryListQueryFor(params, null).limit).toBe(FIRST_PAGE_SIZE);
    expect(repositoryListQueryFor(params, "cursor").limit).toBe(REPOSITORY_PAGE_SIZE);
  });
});
