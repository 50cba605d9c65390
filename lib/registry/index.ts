import "server-only";

// lib/registry: the only code that speaks HTTP to the registry.
export type { AuthChallenge } from "./challenge";
export { parseWwwAuthenticate } from "./challenge";
export type {
  FetchedManifest,
  ForwardRequest,
  ManifestHead,
  RegistryClient,
  RegistryClientOptions,
  RegistryRequestEvent,
  RegistryWarning,
} from "./client";
export { createRegistryClient } from "./client";
export type { RegistryErrorCode, RegistryErrorKind } from "./errors";
export { formatRegistryErrorCodes, isRegistryError, parseRegistryErrorBody, RegistryError } from "./errors";
export { nextLink, parseLinkHeader } from "./link";
