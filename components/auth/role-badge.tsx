import { Badge } from "@/components/ui/badge";
import type { Role } from "@/lib/auth/roles";

const TONES = { admin: "accent", editor: "success", viewer: "neutral" } as const;

export function RoleBadge({ role, className }: { role: Role; className?: string }) {
  return (
    <Badge tone={TONES[role]} className={className}>
      {role}
    </Badge>
  );
}
