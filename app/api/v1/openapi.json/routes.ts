// Every /api/v1 route module, for the OpenAPI document (tests/integration/openapi.test.ts fails when a route on
// disk is missing here or its methods differ from the document).
import type { RouteModule } from "@/lib/openapi/document";
import * as audit from "../audit/route";
import * as deletionsPreview from "../deletions/preview/route";
import * as deletions from "../deletions/route";
import * as gcId from "../gc/[id]/route";
import * as gcCallbackId from "../gc/callback/[id]/route";
import * as gc from "../gc/route";
import * as health from "../health/route";
import * as mePassword from "../me/password/route";
import * as me from "../me/route";
import * as meTokensId from "../me/tokens/[id]/route";
import * as meTokens from "../me/tokens/route";
import * as namespaces from "../namespaces/route";
import * as ready from "../ready/route";
import * as repositoriesPath from "../repositories/[...path]/route";
import * as repositories from "../repositories/route";
import * as retentionId from "../retention/[id]/route";
import * as retentionIdRuns from "../retention/[id]/runs/route";
import * as retentionPreview from "../retention/preview/route";
import * as retention from "../retention/route";
import * as settingsRegistryTest from "../settings/registry/test/route";
import * as setup from "../setup/route";
import * as storageLocate from "../storage/locate/route";
import * as storageRepositories from "../storage/repositories/route";
import * as storage from "../storage/route";
import * as sync from "../sync/route";
import * as usersId from "../users/[id]/route";
import * as usersIdTokensTokenId from "../users/[id]/tokens/[tokenId]/route";
import * as usersIdTokens from "../users/[id]/tokens/route";
import * as users from "../users/route";
import * as webhooksRegistry from "../webhooks/registry/route";

export const V1_ROUTES: Record<string, RouteModule> = {
  "/api/v1/audit": audit,
  "/api/v1/deletions/preview": deletionsPreview,
  "/api/v1/deletions": deletions,
  "/api/v1/gc/[id]": gcId,
  "/api/v1/gc/callback/[id]": gcCallbackId,
  "/api/v1/gc": gc,
  "/api/v1/health": health,
  "/api/v1/me/password": mePassword,
  "/api/v1/me": me,
  "/api/v1/me/tokens/[id]": meTokensId,
  "/api/v1/me/tokens": meTokens,
  "/api/v1/namespaces": namespaces,
  "/api/v1/ready": ready,
  "/api/v1/repositories/[...path]": repositoriesPath,
  "/api/v1/repositories": repositories,
  "/api/v1/retention/[id]": retentionId,
  "/api/v1/retention/[id]/runs": retentionIdRuns,
  "/api/v1/retention/preview": retentionPreview,
  "/api/v1/retention": retention,
  "/api/v1/settings/registry/test": settingsRegistryTest,
  "/api/v1/setup": setup,
  "/api/v1/storage/locate": storageLocate,
  "/api/v1/storage/repositories": storageRepositories,
  "/api/v1/storage": storage,
  "/api/v1/sync": sync,
  "/api/v1/users/[id]": usersId,
  "/api/v1/users/[id]/tokens/[tokenId]": usersIdTokensTokenId,
  "/api/v1/users/[id]/tokens": usersIdTokens,
  "/api/v1/users": users,
  "/api/v1/webhooks/registry": webhooksRegistry,
};
