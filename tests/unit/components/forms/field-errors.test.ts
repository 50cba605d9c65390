import { describe, expect, it } from "vitest";
import { firstFieldErrors } from "@/components/forms/field-errors";
import { confirmationError, PASSWORDS_DIFFER } from "@/components/forms/new-password-fields";
import { changePasswordBody, createUserBody, grantInput, setupBody, updateUserBody } from "@/lib/contract/accounts";

describe("firstFieldErrors", () => {
  it("gives the first message of each invalid field of a failed parse", () => {
    const parsed = setupBody.safeParse({ username: "", password: "short" });
    const errors = firstFieldErrors(parsed.error);
    expect(Object.keys(errors).sort()).toEqual(["password", "username"]);
    expect(errors.password).toBe("at least 8 characters");
    expect(errors.username).toBeTypeOf("string");
  });

  it("names only the fields that failed", () => {
    const parsed = createUserBody.safeParse({ username: "dana", password: "x", role: "viewer" });
    expect(firstFieldErrors(parsed.error)).toEqual({ password: "at least 8 characters" });
    expect(firstFieldErrors(changePasswordBody.safeParse({ currentPassword: "old one", newPassword: "1234567" }).error)).toEqual({
      newPassword: "at least 8 characters",
    });
    expect(firstFieldErrors(updateUserBody.safeParse({ password: "" }).error)).toEqual({ password: "at least 8 characters" });
  });

  it("gives the same message a grant's pattern reports as its first issue", () => {
    const parsed = grantInput.safeParse({ pattern: "team a/***", role: "editor" });
    expect(parsed.success).toBe(false);
    expect(firstFieldErrors(parsed.error).pattern).toBe(parsed.error?.issues[0]?.message);
  });

  it("is empty for a successful parse", () => {
    expect(firstFieldErrors(setupBody.safeParse({ username: "admin", password: "long enough" }).error)).toEqual({});
  });
});

describe("confirmationError", () => {
  it("is the mismatch message only when the confirmation differs", () => {
    expect(confirmationError("secret password", "secret password")).toBeUndefined();
    expect(confirmationError("secret password", "secret passwort")).toBe(PASSWORDS_DIFFER);
    expect(PASSWORDS_DIFFER).toBe("The passwords do not match.");
  });
});
