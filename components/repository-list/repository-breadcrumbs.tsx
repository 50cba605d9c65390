import Link from "next/link";
import { linkClass } from "@/components/ui/cn";
import { pageHrefs } from "@/lib/queries";

/** Repositories / team / app — namespaces link to the filtered list, the repository to its page. */
export function RepositoryBreadcrumbs({ name, linkRepository = false }: { name: string; linkRepository?: boolean }) {
  const parts = name.split("/");
  const namespaces = parts.slice(0, -1);
  return (
    <nav aria-label="Breadcrumb">
      <ol className="flex flex-wrap items-center gap-1">
        <li>
          <Link href={pageHrefs.repositories} className={linkClass}>
            Repositories
          </Link>
        </li>
        {namespaces.map((part, i) => {
          const namespace = parts.slice(0, i + 1).join("/");
          return (
            <li key={namespace} className="flex items-center gap-1">
              <span aria-hidden="true">/</span>
              <Link href={`${pageHrefs.repositories}?namespace=${encodeURIComponent(namespace)}`} className={linkClass}>
                {part}
              </Link>
            </li>
          );
        })}
        {linkRepository ? (
          <li className="flex items-center gap-1">
            <span aria-hidden="true">/</span>
            <Link href={pageHrefs.repository(name)} className={linkClass}>
              {parts.at(-1)}
            </Link>
          </li>
        ) : null}
      </ol>
    </nav>
  );
}
