import { type ZodError, z } from "zod";

/** A form's messages, one per field. */
export type FieldErrors<F extends string> = Partial<Record<F, string>>;

/**
 * The first message of each field of a failed parse, as next-learn's actions read them
 * (`z.flattenError(error).fieldErrors`); none for a successful one.
 */
export function firstFieldErrors<T extends object>(error: ZodError<T> | undefined): FieldErrors<Extract<keyof T, string>> {
  if (!error) return {};
  const errors: FieldErrors<Extract<keyof T, string>> = {};
  const fieldErrors: Partial<Record<string, string[]>> = z.flattenError(error).fieldErrors;
  for (const [field, messages] of Object.entries(fieldErrors)) {
    const first = messages?.[0];
    if (first !== undefined) errors[field as Extract<keyof T, string>] = first;
  }
  return errors;
}
