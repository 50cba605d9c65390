import type { ComponentProps, ReactNode } from "react";
import { Bytes } from "./bytes";
import { cn } from "./cn";

export const tableClass = "w-full min-w-[32rem] border-collapse text-sm tabular-nums";
export const thClass =
  "border-zinc-200 border-b bg-zinc-50 px-4 py-2 text-left font-medium text-xs text-zinc-600 uppercase tracking-wide dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400";
export const tdClass = "border-zinc-100 border-b px-4 py-2 align-middle dark:border-zinc-800/70";

type Align = "left" | "right";

/** A column header: its label (read aloud only when `srOnly`), its alignment and any extra classes. */
export type Column = string | { label: string; align?: Align; className?: string; srOnly?: boolean };

function headerLabel(c: Exclude<Column, string>): ReactNode {
  return c.srOnly ? <span className="sr-only">{c.label}</span> : c.label;
}

/** A header cell of a column (`scope="col"`). */
export function Th({ align, className, ...th }: Omit<ComponentProps<"th">, "scope"> & { align?: Align }) {
  return <th scope="col" className={cn(thClass, align === "right" && "text-right", className)} {...th} />;
}

/** A data cell. */
export function Td({ align, className, ...td }: ComponentProps<"td"> & { align?: Align }) {
  return <td className={cn(tdClass, align === "right" && "text-right", className)} {...td} />;
}

/**
 * A data table: a caption (for screen readers unless `captionClassName` shows it), one header row built from
 * `columns` (falsy entries are left out, for columns only some rows have), and the rows as children.
 * `variant="plain"` is the borderless key/value look of the settings page.
 */
export function Table({
  caption,
  captionClassName = "sr-only",
  columns,
  variant = "data",
  children,
  ...table
}: Omit<ComponentProps<"table">, "className"> & {
  caption: ReactNode;
  captionClassName?: string;
  columns: readonly (Column | false | null | undefined)[];
  variant?: "data" | "plain";
  children: ReactNode;
}) {
  const shown = columns.filter((c): c is Column => Boolean(c)).map((c) => (typeof c === "string" ? { label: c } : c));
  const plain = variant === "plain";
  return (
    <table className={plain ? "w-full text-left text-sm" : tableClass} {...table}>
      <caption className={captionClassName}>{caption}</caption>
      <thead>
        <tr className={plain ? "border-zinc-200 border-b text-zinc-600 dark:border-zinc-800 dark:text-zinc-400" : undefined}>
          {shown.map((c, i) => {
            const label = headerLabel(c);
            return plain ? (
              <th key={c.label} scope="col" className={cn("py-2", i < shown.length - 1 && "pr-4", "font-medium", c.className)}>
                {label}
              </th>
            ) : (
              <Th key={c.label} align={c.align} className={c.className}>
                {label}
              </Th>
            );
          })}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** A right-aligned size cell (exact bytes on hover). */
export function BytesCell({ value }: { value: number }) {
  return (
    <Td align="right">
      <Bytes value={value} />
    </Td>
  );
}
