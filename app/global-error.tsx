"use client";

import "./globals.css";

/** Replaces the root layout when it fails itself (e.g. the header's data can't be rendered). */
export default function GlobalError({ error, retry }: { error: unknown; reset: () => void; retry: () => void }) {
  const message = error instanceof Error ? error.message : "Unknown error";
  return (
    <html lang="en">
      <body className="min-h-dvh bg-zinc-50 font-sans text-zinc-900">
        <main className="mx-auto max-w-2xl px-4 py-16">
          <div role="alert" className="rounded-xl border border-red-200 bg-white p-6">
            <h1 className="font-semibold text-lg text-red-800">Layerscope couldn't load</h1>
            <p className="mt-2 break-words text-sm">{message}</p>
            <button
              type="button"
              onClick={() => retry()}
              className="mt-4 h-9 rounded-md bg-indigo-600 px-3 font-medium text-sm text-white hover:bg-indigo-700 focus-visible:outline-2 focus-visible:outline-indigo-600 focus-visible:outline-offset-2"
            >
              Retry
            </button>
          </div>
        </main>
      </body>
    </html>
  );
}
