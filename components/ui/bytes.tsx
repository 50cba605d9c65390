import { exactBytes, formatBytes } from "@/lib/oci/size";

/** A size in SI units (1 kB = 1000 B, as Docker reports), the exact byte count on hover. */
export function Bytes({ value, className }: { value: number; className?: string }) {
  return (
    <span title={exactBytes(value)} className={className}>
      {formatBytes(value)}
    </span>
  );
}
