import { NotFoundView } from "@/components/ui/not-found-view";

export default function RepositoryNotFound() {
  return (
    <NotFoundView title="Repository or manifest not found" backHref="/repositories" backLabel="Back to repositories">
      It may have been deleted, not synced yet, or the name, tag or digest is misspelled. Press “Sync now” to pick up recent pushes.
    </NotFoundView>
  );
}
