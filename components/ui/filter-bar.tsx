"use client";

import type { ReactNode } from "react";
import type { SortOrder } from "@/lib/queries";
import { SearchInput } from "./search-input";
import { Select, type SelectOption } from "./select";
import { useSearchParamsUpdate } from "./use-search-params-update";

const ORDERS: SelectOption<SortOrder>[] = [
  { value: "asc", label: "Ascending" },
  { value: "desc", label: "Descending" },
];

/**
 * A list's search box, sort column and order, kept in the URL (`q`, `sort`, `order`; defaults are left out so
 * URLs stay short). Extra controls of a page go in as children, after the order.
 */
export function FilterBar<S extends string>({
  searchLabel,
  params: { q, sort, order },
  sorts,
  defaultSort,
  defaultOrder,
  className = "flex flex-wrap items-center gap-3",
  children,
}: {
  /** the search box's label; its placeholder is the label with an ellipsis */
  searchLabel: string;
  /** the list's current URL params */
  params: { q?: string; sort: S; order: SortOrder };
  sorts: readonly SelectOption<S>[];
  defaultSort: S;
  /** a column's natural direction */
  defaultOrder: (sort: S) => SortOrder;
  className?: string;
  children?: ReactNode;
}) {
  const update = useSearchParamsUpdate();
  return (
    <div className={className}>
      <SearchInput
        label={searchLabel}
        placeholder={`${searchLabel}…`}
        value={q ?? ""}
        onDebouncedChange={(next) => update({ q: next })}
        className="min-w-48 flex-1"
      />
      <Select
        label="Sort by"
        value={sort}
        options={sorts}
        // the order resets to the new column's natural direction
        onChange={(next) => update({ sort: next === defaultSort ? undefined : next, order: undefined }, "push")}
      />
      <Select
        label="Order"
        hideLabel
        value={order}
        options={ORDERS}
        onChange={(next) => update({ order: next === defaultOrder(sort) ? undefined : next }, "push")}
      />
      {children}
    </div>
  );
}
