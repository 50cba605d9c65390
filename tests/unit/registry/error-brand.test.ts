import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { InvalidReferenceError } from "@/lib/oci/reference";
import { RegistryError } from "@/lib/registry/errors";

// The job workers and the routes are separate bundles in a Next.js build; an error made by a
// registry client created in one is caught in the other, where its class is another copy.
describe("errors are recognised across bundles by their brand", () => {
  it.each([
    ["RegistryError", RegistryError, "layerscope.RegistryError"],
    ["AppError", AppError, "layerscope.AppError"],
    ["InvalidReferenceError", InvalidReferenceError, "layerscope.InvalidReferenceError"],
  ] as const)("%s", (_name, cls, brand) => {
    const foreign = Object.assign(new Error("from the other bundle"), { [Symbol.for(brand)]: true });
    expect(foreign instanceof cls).toBe(true);
    expect(new Error("plain") instanceof cls).toBe(false);
  });

  it("still recognises its own instances", () => {
    expect(new RegistryError({ kind: "unreachable", message: "down" }) instanceof RegistryError).toBe(true);
    expect(new AppError("not_found", "x") instanceof AppError).toBe(true);
    expect(new AppError("not_found", "x") instanceof RegistryError).toBe(false);
  });
});
