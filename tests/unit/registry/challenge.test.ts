import { describe, expect, it } from "vitest";
import { parseWwwAuthenticate } from "../../../lib/registry/challenge";

describe("parseWwwAuthenticate", () => {
  it("reads a registry Bearer challenge with a comma inside the quoted scope", () => {
    expect(parseWwwAuthenticate('Bearer realm="https://a/token",service="reg",scope="repository:a/b:pull,push"')).toEqual([
      { scheme: "bearer", params: { realm: "https://a/token", service: "reg", scope: "repository:a/b:pull,push" } },
    ]);
  });

  it("reads a Basic realm", () => {
    expect(parseWwwAuthenticate('Basic realm="Registry Realm"')).toEqual([{ scheme: "basic", params: { realm: "Registry Realm" } }]);
  });

  it("splits several challenges in one header", () => {
    expect(parseWwwAuthenticate('Basic realm="simple", Bearer realm="https://auth/token", service=reg, Negotiate')).toEqual([
      { scheme: "basic", params: { realm: "simple" } },
      { scheme: "bearer", params: { realm: "https://auth/token", service: "reg" } },
      { scheme: "negotiate", params: {} },
    ]);
  });

  it("unescapes backslash escapes inside quoted strings", () => {
    const [challenge] = parseWwwAuthenticate('Basic realm="say \\"hi\\", then \\\\ leave"');
    expect(challenge?.params.realm).toBe('say "hi", then \\ leave');
  });

  it("lower-cases scheme and parameter names but not values", () => {
    expect(parseWwwAuthenticate('BEARER Realm="https://A/Token", SERVICE=Reg')).toEqual([
      { scheme: "bearer", params: { realm: "https://A/Token", service: "Reg" } },
    ]);
  });

  it("accepts whitespace around '=' and between parameters", () => {
    expect(parseWwwAuthenticate('Bearer  realm = "r" ,\tservice= s ,  scope ="x:y:pull"')).toEqual([
      { scheme: "bearer", params: { realm: "r", service: "s", scope: "x:y:pull" } },
    ]);
  });

  it("reads token68 credentials, including trailing '=' padding", () => {
    expect(parseWwwAuthenticate('Negotiate YII/+abc==, Basic realm="x"')).toEqual([
      { scheme: "negotiate", params: {}, token68: "YII/+abc==" },
      { scheme: "basic", params: { realm: "x" } },
    ]);
  });

  it("keeps the first of duplicate parameters", () => {
    expect(parseWwwAuthenticate('Bearer realm="first", realm="second"')[0]?.params.realm).toBe("first");
  });

  it("does not let a parameter named __proto__ touch the prototype", () => {
    const [challenge] = parseWwwAuthenticate('Bearer __proto__="x", realm="r"');
    expect(Object.getPrototypeOf(challenge?.params)).toBe(Object.prototype);
    expect(challenge?.params.realm).toBe("r");
  });

  it("returns nothing for an empty or blank header", () => {
    expect(parseWwwAuthenticate("")).toEqual([]);
    expect(parseWwwAuthenticate(" , ,")).toEqual([]);
  });

  it("keeps what parsed before junk instead of throwing", () => {
    expect(parseWwwAuthenticate('Bearer realm="https://a/token", service="reg" @@@ scope="x"')).toEqual([
      { scheme: "bearer", params: { realm: "https://a/token", service: "reg" } },
    ]);
  });

  it("keeps the value of an unterminated quoted string", () => {
    expect(parseWwwAuthenticate('Basic realm="never closed')).toEqual([{ scheme: "basic", params: { realm: "never closed" } }]);
  });

  it("skips garbage where a scheme should be and reads the next challenge", () => {
    expect(parseWwwAuthenticate('"junk", Basic realm="x"')).toEqual([{ scheme: "basic", params: { realm: "x" } }]);
  });

  it("never throws on arbitrary input", () => {
    const samples = [
      "=",
      '"',
      "\\",
      "Bearer =",
      "Bearer realm=",
      'Bearer realm="',
      ",,,Basic",
      'Basic realm="a\\',
      "a b c d",
      "Bearer ,realm=x",
    ];
    for (const sample of samples) expect(() => parseWwwAuthenticate(sample)).not.toThrow();
  });
});
