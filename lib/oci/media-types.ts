// Media types of the OCI image spec and the Docker distribution formats it grew out of.

// Manifests and indexes
export const OCI_IMAGE_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
export const OCI_IMAGE_INDEX = "application/vnd.oci.image.index.v1+json";
export const DOCKER_MANIFEST_V2 = "application/vnd.docker.distribution.manifest.v2+json";
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
export const DOCKER_MANIFEST_V1 = "application/vnd.docker.distribution.manifest.v1+json";
export const DOCKER_MANIFEST_V1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws";

// Configs
export const OCI_IMAGE_CONFIG = "application/vnd.oci.image.config.v1+json";
export const DOCKER_IMAGE_CONFIG = "application/vnd.docker.container.image.v1+json";
export const HELM_CHART_CONFIG = "application/vnd.cncf.helm.config.v1+json";
export const OCI_EMPTY = "application/vnd.oci.empty.v1+json";

// Layers
export const OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
export const OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
export const OCI_LAYER_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
export const OCI_LAYER_NONDISTRIBUTABLE_TAR = "application/vnd.oci.image.layer.nondistributable.v1.tar";
export const OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
export const OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD = "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";
export const DOCKER_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
export const DOCKER_FOREIGN_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";

/** What we ask the registry for. Schema1 is left out so registries convert instead of serving it. */
export const MANIFEST_ACCEPT: string[] = [OCI_IMAGE_MANIFEST, OCI_IMAGE_INDEX, DOCKER_MANIFEST_V2, DOCKER_MANIFEST_LIST];
export const MANIFEST_ACCEPT_HEADER: string = MANIFEST_ACCEPT.join(", ");

export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  OCI_IMAGE_MANIFEST,
  OCI_IMAGE_INDEX,
  DOCKER_MANIFEST_V2,
  DOCKER_MANIFEST_LIST,
  DOCKER_MANIFEST_V1,
  DOCKER_MANIFEST_V1_SIGNED,
];

export const LAYER_MEDIA_TYPES: readonly string[] = [
  OCI_LAYER_TAR,
  OCI_LAYER_TAR_GZIP,
  OCI_LAYER_TAR_ZSTD,
  OCI_LAYER_NONDISTRIBUTABLE_TAR,
  OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP,
  OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD,
  DOCKER_LAYER_TAR_GZIP,
  DOCKER_FOREIGN_LAYER_TAR_GZIP,
];

/** Lower-cases and drops parameters, so a Content-Type header ("…+json; charset=utf-8") compares equal. */
export function normalizeMediaType(mt: string): string {
  const semi = mt.indexOf(";");
  return (semi === -1 ? mt : mt.slice(0, semi)).trim().toLowerCase();
}

export function isManifestMediaType(mt: string): boolean {
  return MANIFEST_MEDIA_TYPES.includes(normalizeMediaType(mt));
}

export function isIndexMediaType(mt: string): boolean {
  const n = normalizeMediaType(mt);
  return n === OCI_IMAGE_INDEX || n === DOCKER_MANIFEST_LIST;
}

export function isImageManifestMediaType(mt: string): boolean {
  const n = normalizeMediaType(mt);
  return n === OCI_IMAGE_MANIFEST || n === DOCKER_MANIFEST_V2;
}

export function isSchema1MediaType(mt: string): boolean {
  const n = normalizeMediaType(mt);
  return n === DOCKER_MANIFEST_V1 || n === DOCKER_MANIFEST_V1_SIGNED;
}

export function isImageConfigMediaType(mt: string): boolean {
  const n = normalizeMediaType(mt);
  return n === OCI_IMAGE_CONFIG || n === DOCKER_IMAGE_CONFIG;
}

export function isLayerMediaType(mt: string): boolean {
  return LAYER_MEDIA_TYPES.includes(normalizeMediaType(mt));
}

const LABELS = new Map<string, string>([
  [OCI_IMAGE_MANIFEST, "OCI image"],
  [DOCKER_MANIFEST_V2, "Docker image"],
  [OCI_IMAGE_INDEX, "OCI index"],
  [DOCKER_MANIFEST_LIST, "Docker manifest list"],
  [DOCKER_MANIFEST_V1, "Docker schema1 (legacy)"],
  [DOCKER_MANIFEST_V1_SIGNED, "Docker schema1 (legacy)"],
  [HELM_CHART_CONFIG, "Helm chart"],
]);

/** Short human label for a media type; unknown types are returned as they are. */
export function describeMediaType(mt: string): string {
  return LABELS.get(normalizeMediaType(mt)) ?? mt;
}
