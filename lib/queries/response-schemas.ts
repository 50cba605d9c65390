// The schemas the browser checks the API's answers against, in one module that `loadSchemas` (./client) imports on
// the first request: zod and the schemas are then a chunk of their own instead of part of every page's scripts.

export { createdToken, me, passwordChanged, setupStatus, tokenList, updatedUser, userItem, userList } from "@/lib/contract/accounts";
export { auditList } from "@/lib/contract/audit";
export { apiError } from "@/lib/contract/common";
export { deletionPreview, deletionResult } from "@/lib/contract/deletions";
export { gcOverview, gcRun, queuedJob } from "@/lib/contract/gc";
export { manifestDetail, manifestUsage, relatedArtifacts } from "@/lib/contract/images";
export {
  fileList,
  imageComparison,
  imageEfficiency,
  imageFindings,
  imageHistory,
  imageLayerList,
  layerIndexRequest,
} from "@/lib/contract/layers";
export { namespaceList } from "@/lib/contract/namespaces";
export { repositoryList, tagList } from "@/lib/contract/repositories";
export { retentionPolicyList, retentionPolicyView, retentionPreview, retentionRunList } from "@/lib/contract/retention";
export { storageLocation, storageOverview } from "@/lib/contract/storage";
export { syncStatus } from "@/lib/contract/sync";
