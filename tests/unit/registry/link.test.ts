import { describe, expect, it } from "vitest";
import { nextLink, parseLinkHeader } from "../../../lib/registry/link";

describe("parseLinkHeader", () => {
  it("reads the registry's catalog paging link", () => {
    expect(parseLinkHeader('</v2/_catalog?last=x&n=100>; rel="next"')).toEqual({ next: "/v2/_catalog?last=x&n=100" });
  });

  it("returns an empty record for null or empty headers", () => {
    expect(parseLinkHeader(null)).toEqual({});
    expect(parseLinkHeader("")).toEqual({});
  });

  it("reads several links, unquoted rels and space-separated rel lists", () => {
    expect(parseLinkHeader('<https://r/a?x=1,2>; rel=prev, </b>; title="a, b"; rel="next last"')).toEqual({
      prev: "https://r/a?x=1,2",
      next: "/b",
      last: "/b",
    });
  });

  it("lower-cases relation types and keeps the first link per relation", () => {
    expect(parseLinkHeader('</one>; REL="Next", </two>; rel="next"')).toEqual({ next: "/one" });
  });

  it("skips malformed entries without throwing", () => {
    expect(parseLinkHeader('garbage; rel="next", </ok>; rel="next"')).toEqual({ next: "/ok" });
    expect(parseLinkHeader("</no-close; rel=next")).toEqual({});
    expect(parseLinkHeader("</no-rel>; title=x")).toEqual({});
  });
});

describe("nextLink", () => {
  it("resolves a relative next link against the page URL", () => {
    const url = nextLink('</v2/_catalog?last=b&n=2>; rel="next"', "http://127.0.0.1:5000/v2/_catalog?n=2");
    expect(url?.href).toBe("http://127.0.0.1:5000/v2/_catalog?last=b&n=2");
  });

  it("keeps an absolute next link as it is", () => {
    expect(nextLink('<https://other:5000/v2/x/tags/list?last=a>; rel="next"', "http://r/")?.href).toBe(
      "https://other:5000/v2/x/tags/list?last=a",
    );
  });

  it("is null without a next relation", () => {
    expect(nextLink('</v2/a>; rel="prev"', "http://r/")).toBeNull();
    expect(nextLink(null, "http://r/")).toBeNull();
  });
});
