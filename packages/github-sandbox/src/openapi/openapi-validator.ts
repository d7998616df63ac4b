import type { ErrorObject, ValidateFunction } from "ajv";
import { loadOpenApiSubset, type OpenApiSubset } from "./openapi-subset.js";
import { findUndeclaredProperties } from "./undeclared-properties.js";

export interface ValidationError {
  /** JSON pointer into the body. */
  path: string;
  message: string;
}

export interface ResponseValidator {
  /**
   * Checks one response against GitHub's OpenAPI description. `pathTemplate` uses GitHub's
   * parameter names (`/repos/{owner}/{repo}/issues/{issue_number}`); `body` is the parsed JSON,
   * or undefined when the response had no body. Returns [] when GitHub could send this response.
   */
  validateResponse(method: string, pathTemplate: string, status: number, body: unknown): ValidationError[];
  /** Checks a webhook payload against GitHub's `webhook-<event>-<action>` schema. */
  validateWebhook(event: string, action: string, payload: unknown): ValidationError[];
  /** Whether the operation is part of the extracted subset. */
  knowsOperation(method: string, pathTemplate: string): boolean;
}

export interface OpenApiValidatorOptions {
  /** Also report properties no schema declares (default true): GitHub would not send them. */
  rejectUndeclaredProperties?: boolean;
}

// GitHub's error documents carry `"status": "<code>"`; `basic-error` declares it, but
// `validation-error` (422) lags behind the live API, so it is not held against a response.
const TOLERATED_IN_ERRORS = ["/status"];

const ROOT_ID = "https://github-sandbox.invalid/openapi.json";

// GitHub answers every error with this shape; used for error statuses an operation does not
// declare (401 and rate-limit 403s are never declared, yet GitHub sends them on every route).
const GENERIC_ERROR_SCHEMA = {
  type: "object",
  required: ["message", "documentation_url"],
  properties: {
    message: { type: "string" },
    documentation_url: { type: "string" },
    status: { type: "string" },
    url: { type: "string" },
    errors: { type: "array" },
  },
};

/**
 * Builds a validator for the sandbox's responses from `@octokit/openapi` (a dev dependency,
 * loaded only when this is called). ajv and ajv-formats are imported lazily for the same reason.
 */
export async function createOpenApiValidator(options: OpenApiValidatorOptions = {}): Promise<ResponseValidator> {
  const subset = loadOpenApiSubset();
  const ajv = await createAjv(subset);
  const compiled = new Map<string, ValidateFunction>();
  const rejectUndeclared = options.rejectUndeclaredProperties ?? true;

  const compile = (pointer: string): ValidateFunction => {
    let fn = compiled.get(pointer);
    if (fn === undefined) {
      fn = ajv.compile({ $ref: `${ROOT_ID}#${pointer}` });
      compiled.set(pointer, fn);
    }
    return fn;
  };
  const resolve = (ref: string): unknown => resolvePointer(subset, ref);

  const check = (pointer: string, schema: unknown, value: unknown, tolerated: readonly string[] = []): ValidationError[] => {
    const fn = compile(pointer);
    const errors = fn(value) ? [] : (fn.errors ?? []).map(toValidationError);
    if (rejectUndeclared && errors.length === 0) {
      for (const path of findUndeclaredProperties(schema, value, resolve)) {
        if (!tolerated.includes(path)) errors.push({ path, message: "property not declared by GitHub's schema" });
      }
    }
    return errors;
  };

  return {
    validateResponse(method, pathTemplate, status, body) {
      const key = `${method.toUpperCase()} ${pathTemplate}`;
      const declared = subset.operations[key];
      if (declared === undefined) return [{ path: "", message: `operation ${key} is not in the extracted subset` }];
      const statusKey = String(status);
      if (statusKey in declared) {
        const schema = declared[statusKey];
        // An error status the description declares without content still carries GitHub's error
        // document (DELETE …/git/refs/{ref} answers 422 `Reference does not exist`), or nothing.
        if (schema === null && status >= 400 && !isEmpty(body)) return check("/genericError", GENERIC_ERROR_SCHEMA, body);
        if (schema === null) return bodyMustBeEmpty(body);
        return check(`/operations/${escape(key)}/${statusKey}`, schema, body, status >= 400 ? TOLERATED_IN_ERRORS : []);
      }
      if (status >= 400) return check("/genericError", GENERIC_ERROR_SCHEMA, body);
      if (status === 304) return bodyMustBeEmpty(body);
      return [{ path: "", message: `GitHub declares no ${status} response for ${key}` }];
    },
    validateWebhook(event, action, payload) {
      const key = `${event}.${action}`;
      const schema = subset.webhooks[key];
      if (schema === undefined) return [{ path: "", message: `webhook ${key} is not in the extracted subset` }];
      return check(`/webhooks/${escape(key)}`, schema, payload);
    },
    knowsOperation(method, pathTemplate) {
      return `${method.toUpperCase()} ${pathTemplate}` in subset.operations;
    },
  };
}

async function createAjv(subset: OpenApiSubset) {
  // ajv and ajv-formats are CommonJS; depending on the loader the class sits on `default` once or twice.
  const ajvModule = (await import("ajv")) as unknown as { default: AjvClass & { default?: AjvClass } };
  const formatsModule = (await import("ajv-formats")) as unknown as { default: AddFormats & { default?: AddFormats } };
  const Ajv = ajvModule.default.default ?? ajvModule.default;
  const addFormats = formatsModule.default.default ?? formatsModule.default;
  // strict: false because the description carries OpenAPI keywords (example, discriminator, x-github…).
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  addFormats(ajv);
  ajv.addFormat("repo.nwo", /^[^/\s]+\/[^/\s]+$/);
  ajv.addSchema({ $id: ROOT_ID, ...subset, genericError: GENERIC_ERROR_SCHEMA, components: { schemas: subset.schemas } });
  return ajv;
}

type AjvInstance = {
  compile(schema: object): ValidateFunction;
  addSchema(schema: object): unknown;
  addFormat(name: string, format: RegExp): unknown;
};
type AjvClass = new (options: object) => AjvInstance;
type AddFormats = (ajv: AjvInstance) => unknown;

function isEmpty(body: unknown): boolean {
  return body === undefined || body === null || body === "";
}

function bodyMustBeEmpty(body: unknown): ValidationError[] {
  return isEmpty(body) ? [] : [{ path: "", message: "GitHub sends no body with this response" }];
}

function toValidationError(error: ErrorObject): ValidationError {
  const detail = error.params && Object.keys(error.params).length > 0 ? ` ${JSON.stringify(error.params)}` : "";
  return { path: error.instancePath, message: `${error.message ?? error.keyword}${detail}` };
}

/** JSON-pointer escaping for keys such as `GET /repos/{owner}/{repo}`. */
function escape(key: string): string {
  return encodeURIComponent(key.replace(/~/g, "~0").replace(/\//g, "~1"));
}

function resolvePointer(subset: OpenApiSubset, ref: string): unknown {
  const prefix = "#/components/schemas/";
  return ref.startsWith(prefix) ? subset.schemas[ref.slice(prefix.length)] : undefined;
}
