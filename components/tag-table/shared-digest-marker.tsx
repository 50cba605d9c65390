"use client";

import { Badge } from "@/components/ui/badge";
import { LinkIcon } from "@/components/ui/icons";
import { Tooltip } from "@/components/ui/tooltip";

const MAX_LISTED = 12;

/** Other tags share this tag's digest: deleting the manifest by digest takes them all. */
export function SharedDigestMarker({ tag, sharedWith, sharedCount }: { tag: string; sharedWith: readonly string[]; sharedCount: number }) {
  if (sharedCount === 0) return null;
  const listed = sharedWith.slice(0, MAX_LISTED);
  const more = sharedCount - listed.length;
  return (
    <Tooltip
      label={`${tag} shares its digest with ${sharedCount} other ${sharedCount === 1 ? "tag" : "tags"}`}
      trigger={
        <Badge tone="warning">
          <LinkIcon className="size-3" />
          {sharedCount}
        </Badge>
      }
    >
      <span className="block font-medium">
        Same digest as: {listed.join(", ")}
        {more > 0 ? ` and ${more} more` : ""}
      </span>
      <span className="mt-1 block">Deleting by digest removes these too.</span>
    </Tooltip>
  );
}
