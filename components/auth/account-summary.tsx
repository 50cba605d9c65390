import { KeyValueList } from "@/components/ui/key-value-list";
import type { Me } from "@/lib/contract/accounts";
import { providerLabel } from "./provider";
import { RoleBadge } from "./role-badge";

/** Who the signed-in user is and what they may do. */
export function AccountSummary({ me }: { me: Me }) {
  const user = me.user;
  if (!user) return null;
  return (
    <KeyValueList
      items={[
        { key: "username", label: "User name", value: <span className="font-medium">{user.username}</span> },
        ...(user.name !== user.username ? [{ key: "name", label: "Name", value: user.name }] : []),
        { key: "role", label: "Role", value: <RoleBadge role={me.role} /> },
        { key: "provider", label: "Signs in with", value: providerLabel(user.provider) },
        {
          key: "grants",
          label: "Grants",
          value:
            me.grants.length === 0 ? (
              "None: your role applies to every repository."
            ) : (
              <ul className="space-y-1">
                {me.grants.map((g) => (
                  <li key={g.pattern} className="flex flex-wrap items-center gap-2">
                    <code className="font-mono text-xs">{g.pattern}</code>
                    <RoleBadge role={g.role} />
                  </li>
                ))}
              </ul>
            ),
        },
      ]}
    />
  );
}
