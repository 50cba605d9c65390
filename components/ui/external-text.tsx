import { linkClass } from "./cn";

/** Only http(s) URLs become links: label values come from image authors and aren't trusted. */
function asHttpUrl(value: string): string | null {
  if (!/^https?:\/\//i.test(value)) return null;
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

/** A label/annotation value: a link when it is a URL, plain text otherwise. */
export function ExternalText({ value }: { value: string }) {
  const href = asHttpUrl(value.trim());
  if (!href) return <span className="break-words">{value}</span>;
  return (
    <a href={href} target="_blank" rel="noopener noreferrer nofollow" className={`break-all ${linkClass}`}>
      {value}
      <span className="sr-only"> (opens in a new tab)</span>
    </a>
  );
}
