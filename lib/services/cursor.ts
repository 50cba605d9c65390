import { AppError } from "@/lib/errors";

// Opaque page cursors: base64url of the offset into a stable sort (name breaks ties).
export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString("base64url");
}

export function decodeCursor(cursor: string | undefined): number {
  if (!cursor) return 0;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (parsed && typeof parsed === "object" && "o" in parsed && Number.isSafeInteger(parsed.o) && (parsed.o as number) >= 0) {
      return parsed.o as number;
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError("bad_request", "cursor is not valid: use the nextCursor value of a previous page");
}

export function nextCursorFor(offset: number, pageLength: number, total: number): string | null {
  return offset + pageLength < total ? encodeCursor(offset + pageLength) : null;
}

/**
 * A keyset position in a tag or repository list: the last one shown, and its value in the sorted
 * column (created/updated time, size, tag count; null for orders whose keys derive from the name).
 */
export type TagCursor = { name: string; value: string | null };

export function encodeTagCursor(c: TagCursor): string {
  return Buffer.from(JSON.stringify({ n: c.name, v: c.value })).toString("base64url");
}

export function decodeTagCursor(cursor: string | undefined): TagCursor | null {
  if (!cursor) return null;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (parsed && typeof parsed === "object" && "n" in parsed && "v" in parsed) {
      const { n, v } = parsed as { n: unknown; v: unknown };
      if (typeof n === "string" && n.length <= 300 && (v === null || (typeof v === "string" && v.length <= 64)))
        return { name: n, value: v };
    }
  } catch {
    // fall through to the error below
  }
  throw new AppError("bad_request", "cursor is not valid: use the nextCursor value of a previous page");
}
