import Link from "next/link";
import { linkClass } from "@/components/ui/cn";
import { pageHrefs } from "@/lib/queries";

/**
 * Repositories / team / app — namespaces link to the filtered list, the repository to its page. Not prefetched:
 * each prefetch of these dynamic pages is a render on the server, and they came in while the browser was still
 * painting the page that shows them.
 */
export function RepositoryBreadcrumbs({ name, linkRepository = false }: { name: string; linkRepository?: boolean }) {
  const parts = name.split("/");
  const namespaces = parts.slice(0, -1);
  return (
    <nav aria-label="Breadcrumb">
      <ol className="flex flex-wrap items-center gap-1">
        <li>
          <Link href={pageHrefs.repositories} prefetch={false} className={linkClass}>
            Repositories
          </Link>
        </li>
        {namespaces.map((part, i) => {
          const namespace = parts.slice(0, i + 1).join("/");
          return (
            <li key={namespace} className="flex items-center gap-1">
              <span aria-hidden="true">/</span>
              <Link href={`${pageHrefs.repositories}?namespace=${encodeURIComponent(namespace)}`} prefetch={false} className={linkClass}>
                {part}
              </Link>
            </li>
          );
        })}
        {linkRepository ? (
          <li className="flex items-center gap-1">
            <span aria-hidden="true">/</span>
            <Link href={pageHrefs.repository(name)} prefetch={false} className={linkClass}>
              {parts.at(-1)}
            </Link>
          </li>
        ) : null}
      </ol>
    </nav>
  );
}
