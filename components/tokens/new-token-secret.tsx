"use client";

import { useEffect, useRef } from "react";
import { inputClass } from "@/components/forms/text-field";
import { CodeBlock } from "@/components/onboarding/code-block";
import { Button } from "@/components/ui/button";
import { cn } from "@/components/ui/cn";
import { CopyButton } from "@/components/ui/copy-button";
import { AlertIcon } from "@/components/ui/icons";
import { apiPaths } from "@/lib/queries";

export function curlExample(origin: string, token: string): string {
  return `curl -H "Authorization: Bearer ${token}" ${origin}${apiPaths.repositories}`;
}

/** The one time a token's secret is on screen: copy it, see how to use it, dismiss it. */
export function NewTokenSecret({ name, token, origin, onDone }: { name: string; token: string; origin: string; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section
      aria-labelledby="new-token-heading"
      className="space-y-3 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm dark:border-amber-800 dark:bg-amber-950"
    >
      <h3
        id="new-token-heading"
        ref={heading}
        tabIndex={-1}
        className="flex items-center gap-2 font-semibold text-amber-950 outline-none dark:text-amber-100"
      >
        <AlertIcon className="size-4" />
        Copy the token “{name}” now: you will not see it again
      </h3>
      <p className="text-amber-950 dark:text-amber-100">
        Layerscope keeps only a hash of it. If you lose it, revoke it and create a new one.
      </p>
      <div className="flex flex-col gap-1">
        <label htmlFor="new-token-value" className="font-medium text-amber-950 dark:text-amber-100">
          New API token
        </label>
        <div className="flex items-center gap-2">
          <input
            id="new-token-value"
            readOnly
            value={token}
            spellCheck={false}
            autoComplete="off"
            onFocus={(e) => e.currentTarget.select()}
            className={cn(inputClass, "min-w-0 flex-1 font-mono text-xs")}
          />
          <CopyButton value={token} label="Copy token" variant="secondary" size="md">
            Copy token
          </CopyButton>
        </div>
      </div>
      <div>
        <p className="text-amber-950 dark:text-amber-100">Use it as a bearer token, for example:</p>
        <CodeBlock code={curlExample(origin, token)} label="Copy example curl command" />
      </div>
      <Button variant="primary" onClick={onDone}>
        Done, I copied it
      </Button>
    </section>
  );
}
