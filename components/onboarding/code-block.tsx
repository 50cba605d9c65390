import { CopyButton } from "@/components/ui/copy-button";

export function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <div className="group relative mt-2">
      <pre className="overflow-x-auto rounded-lg bg-zinc-900 p-3 pr-12 font-mono text-sm text-zinc-100 dark:bg-black/60">
        <code>{code}</code>
      </pre>
      <div className="absolute top-1.5 right-1.5">
        <CopyButton value={code} label={label} className="text-zinc-200 hover:bg-zinc-700 hover:text-white dark:text-zinc-200" />
      </div>
    </div>
  );
}
