"use client";

// One route serves three views: a repository's tags, a manifest, a comparison. Each loads its own code: the
// manifest's layer tree and the comparison's pickers stay out of the tags page's scripts, which the browser
// would otherwise parse and run before it paints the first rows. Still rendered on the server.
import dynamic from "next/dynamic";

export const ManifestClient = dynamic(() => import("./manifest-client").then((m) => m.ManifestClient));
export const CompareClient = dynamic(() => import("./compare-client").then((m) => m.CompareClient));
