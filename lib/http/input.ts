// Control characters in request input, refused in one place before any schema or service sees them:
// Postgres cannot store NUL in text or jsonb (error 22021, which used to surface as a 500 with no audit
// row), and no name, reference, tag or setting needs a control character. Pure: no I/O.

/** C0 controls and DEL. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
/** The same, except tab, line feed and carriage return, which free text (a GC log) may contain. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export type ControlCharacterFinding = {
  /** Where, as `body.username`, `query.prefix` or `params.path.1`. */
  field: string;
  /** The first control character, as U+XXXX. */
  character: string;
};

function codePointOf(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

/** A key as it may be shown: control characters escaped. */
function printable(key: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  return key.replace(/[\u0000-\u001f\u007f]/g, (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}

/**
 * The first string (or object key) in `value` holding a control character, or null. `textFields` names
 * the top-level keys that are free text, where tab, line feed and carriage return are allowed.
 * Walks iteratively: a deeply nested JSON body cannot overflow the stack.
 */
export function findControlCharacter(
  value: unknown,
  where: string,
  textFields: ReadonlySet<string> = new Set(),
): ControlCharacterFinding | null {
  // each item knows its parent: paths are built only for the field that is reported
  type Item = { value: unknown; key: string | null; parent: Item | null; top: string | null };
  const pathOf = (item: Item | null, key?: string): string => {
    const keys: string[] = key === undefined ? [] : [printable(key)];
    for (let at = item; at !== null && at.key !== null; at = at.parent) keys.push(printable(at.key));
    const field = [where, ...keys.reverse()].join(".");
    return field.length > 200 ? `${field.slice(0, 200)}…` : field;
  };
  const stack: Item[] = [{ value, key: null, parent: null, top: null }];
  while (stack.length > 0) {
    const item = stack.pop() as Item;
    if (typeof item.value === "string") {
      const pattern = item.top !== null && textFields.has(item.top) ? CONTROL_IN_TEXT : ANY_CONTROL;
      const found = pattern.exec(item.value);
      if (found) return { field: pathOf(item), character: codePointOf(found[0]) };
    } else if (Array.isArray(item.value)) {
      for (let i = item.value.length - 1; i >= 0; i--) {
        stack.push({ value: item.value[i], key: String(i), parent: item, top: item.top ?? String(i) });
      }
    } else if (typeof item.value === "object" && item.value !== null) {
      const entries = Object.entries(item.value);
      for (const [key] of entries) {
        const found = ANY_CONTROL.exec(key);
        if (found) return { field: pathOf(item, key), character: codePointOf(found[0]) };
      }
      // pushed last-first so that fields are looked at in their order
      for (const [key, child] of entries.reverse()) stack.push({ value: child, key, parent: item, top: item.top ?? key });
    }
  }
  return null;
}
