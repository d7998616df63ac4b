export { startSandbox } from "./start-sandbox.js";
export { createAdminClient, type RemoteSandboxAdmin } from "./admin/admin-client.js";
export type { SandboxInfo } from "./admin/admin-methods.js";
export {
  createOpenApiValidator,
  type OpenApiValidatorOptions,
  type ResponseValidator,
  type ValidationError,
} from "./openapi/openapi-validator.js";
export { API_OPERATIONS, WEBHOOK_EVENTS, type ApiOperation } from "./openapi/api-operations.js";
export { signatureSha256 } from "./webhooks/webhook-signature.js";
export type * from "./types.js";
