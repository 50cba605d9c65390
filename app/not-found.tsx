import { NotFoundView } from "@/components/ui/not-found-view";

export default function NotFound() {
  return (
    <NotFoundView title="Page not found" backHref="/" backLabel="Back to Layerscope">
      There is nothing at this address.
    </NotFoundView>
  );
}
