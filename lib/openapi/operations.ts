// What the routes' own specs cannot say: a summary, a group, and the answer's schema and status. Keyed by
// "METHOD /api/v1/path" as on disk; the request side (params, query, body, auth) comes from the route itself.
import type { z } from "zod";
import { createdToken, me, passwordChanged, setupStatus, tokenList, updatedUser, userItem, userList } from "../contract/accounts";
import { auditList } from "../contract/audit";
import { deletionPreview, deletionResult } from "../contract/deletions";
import { gcOverview, gcRun } from "../contract/gc";
import { health, readiness } from "../contract/health";
import { namespaceList } from "../contract/namespaces";
import { registryDiagnosis } from "../contract/registry-settings";
import { repositoryList } from "../contract/repositories";
import { retentionPolicyList, retentionPolicyView, retentionPreview, retentionRunList } from "../contract/retention";
import { storageLocation, storageOverview } from "../contract/storage";
import { syncStatus } from "../contract/sync";

export type OperationInfo = {
  summary: string;
  tag: string;
  /** the success answer's schema; without one the answer is described as JSON */
  response?: z.ZodType;
  /** the success status (default 200) */
  status?: number;
  description?: string;
};

export const OPERATIONS: Record<string, OperationInfo> = {
  "GET /api/v1/audit": { tag: "Audit", summary: "List the audit log (newest first, cursor paging)", response: auditList },
  "POST /api/v1/deletions/preview": {
    tag: "Deletions",
    summary: "Preview what deleting tags or manifests would remove",
    response: deletionPreview,
  },
  "POST /api/v1/deletions": {
    tag: "Deletions",
    summary: "Delete tags or manifests (confirmed against a preview)",
    response: deletionResult,
  },
  "GET /api/v1/gc": { tag: "Garbage collection", summary: "Garbage collection runner, schedule and recent runs", response: gcOverview },
  "POST /api/v1/gc": { tag: "Garbage collection", summary: "Start a garbage collection run (or a dry run)", status: 202 },
  "GET /api/v1/gc/{id}": { tag: "Garbage collection", summary: "One garbage collection run with its log", response: gcRun },
  "POST /api/v1/gc/callback/{id}": {
    tag: "Garbage collection",
    summary: "The GC operator's callback with a run's result (X-Layerscope-Secret: GC_WEBHOOK_SECRET)",
  },
  "GET /api/v1/health": {
    tag: "Operations",
    summary: "Liveness: the process answers (and what it knows of the registry)",
    response: health,
  },
  "GET /api/v1/ready": {
    tag: "Operations",
    summary: "Readiness: database reachable, migrations applied, job workers running",
    response: readiness,
  },
  "GET /api/v1/openapi.json": { tag: "Operations", summary: "This OpenAPI 3.1 document" },
  "GET /api/v1/me": { tag: "Account", summary: "The caller: user, role, grants and permissions", response: me },
  "POST /api/v1/me/password": { tag: "Account", summary: "Change your password (revokes your API tokens)", response: passwordChanged },
  "GET /api/v1/me/tokens": { tag: "Account", summary: "Your API tokens", response: tokenList },
  "POST /api/v1/me/tokens": {
    tag: "Account",
    summary: "Create an API token (from a signed-in session only); the secret is shown once",
    response: createdToken,
    status: 201,
  },
  "DELETE /api/v1/me/tokens/{id}": { tag: "Account", summary: "Revoke one of your API tokens", status: 204 },
  "GET /api/v1/namespaces": { tag: "Repositories", summary: "Browse repository names as folders", response: namespaceList },
  "GET /api/v1/repositories": { tag: "Repositories", summary: "List repositories (filter, sort, cursor paging)", response: repositoryList },
  "GET /api/v1/repositories/{path}": {
    tag: "Repositories",
    summary: "A repository's tags, a manifest, its layers, files, history or related artifacts",
    description:
      "`path` is the repository name followed by a view: `<name>/tags`, `<name>/manifests/<reference>`, " +
      "`<name>/manifests/<digest>/layers/<layer digest>/files`, … (several segments).",
  },
  "POST /api/v1/repositories/{path}": {
    tag: "Repositories",
    summary: "Queue the indexing of an image's layers (`<name>/manifests/<digest>/index`)",
    status: 202,
  },
  "GET /api/v1/retention": { tag: "Retention", summary: "List retention policies", response: retentionPolicyList },
  "POST /api/v1/retention": { tag: "Retention", summary: "Create a retention policy", response: retentionPolicyView, status: 201 },
  "GET /api/v1/retention/{id}": { tag: "Retention", summary: "One retention policy", response: retentionPolicyView },
  "PATCH /api/v1/retention/{id}": { tag: "Retention", summary: "Change a retention policy", response: retentionPolicyView },
  "DELETE /api/v1/retention/{id}": { tag: "Retention", summary: "Delete a retention policy", status: 204 },
  "GET /api/v1/retention/{id}/runs": { tag: "Retention", summary: "A policy's runs", response: retentionRunList },
  "POST /api/v1/retention/{id}/runs": { tag: "Retention", summary: "Run a policy now (or a dry run)", status: 202 },
  "POST /api/v1/retention/preview": { tag: "Retention", summary: "Preview what a policy would delete", response: retentionPreview },
  "GET /api/v1/setup": { tag: "Account", summary: "Whether first-run setup (creating the first admin) is needed", response: setupStatus },
  "POST /api/v1/setup": { tag: "Account", summary: "Create the first admin (only while no user exists)", status: 201 },
  "POST /api/v1/settings/registry/test": {
    tag: "Operations",
    summary: "Probe the registry again: capabilities and the config.yml lines for what is missing",
    response: registryDiagnosis,
  },
  "GET /api/v1/storage": { tag: "Storage", summary: "The storage scan: blobs, orphans, uploads", response: storageOverview },
  "POST /api/v1/storage": { tag: "Storage", summary: "Start a storage scan", status: 202 },
  "GET /api/v1/storage/locate": { tag: "Storage", summary: "Where a blob or manifest lives on disk", response: storageLocation },
  "DELETE /api/v1/storage/repositories": { tag: "Storage", summary: "Remove an empty repository's folder from storage" },
  "GET /api/v1/sync": { tag: "Sync", summary: "Sync status: running, last run, registry state", response: syncStatus },
  "POST /api/v1/sync": { tag: "Sync", summary: "Start a sync now", status: 202 },
  "GET /api/v1/users": { tag: "Users", summary: "List users", response: userList },
  "POST /api/v1/users": { tag: "Users", summary: "Create a user", response: userItem, status: 201 },
  "PATCH /api/v1/users/{id}": { tag: "Users", summary: "Change a user's role, grants, password or state", response: updatedUser },
  "GET /api/v1/users/{id}/tokens": { tag: "Users", summary: "A user's API tokens", response: tokenList },
  "DELETE /api/v1/users/{id}/tokens": { tag: "Users", summary: "Revoke all of a user's API tokens" },
  "DELETE /api/v1/users/{id}/tokens/{tokenId}": { tag: "Users", summary: "Revoke one of a user's API tokens", status: 204 },
  "POST /api/v1/webhooks/registry": {
    tag: "Operations",
    summary: "Registry notifications (Authorization: Bearer LAYERSCOPE_WEBHOOK_SECRET)",
    status: 202,
  },
};
