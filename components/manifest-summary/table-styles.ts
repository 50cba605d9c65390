export const tableClass = "w-full min-w-[32rem] border-collapse text-sm tabular-nums";
export const thClass =
  "border-zinc-200 border-b bg-zinc-50 px-4 py-2 text-left font-medium text-xs text-zinc-600 uppercase tracking-wide dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400";
export const tdClass = "border-zinc-100 border-b px-4 py-2 align-middle dark:border-zinc-800/70";
