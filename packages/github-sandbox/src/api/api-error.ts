/** An answer GitHub gives as an error document: `{ message, documentation_url, status, errors? }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Array<Record<string, unknown>>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export function notFound(): ApiError {
  return new ApiError(404, "Not Found");
}

/** GitHub's 422 for a request body that breaks a resource rule. */
export function validationFailed(errors: Array<Record<string, unknown>>): ApiError {
  return new ApiError(422, "Validation Failed", errors);
}

/** GitHub's 422 for a request body that breaks the operation's JSON schema. */
export function invalidRequest(detail: string): ApiError {
  return new ApiError(422, `Invalid request.\n\n${detail}`);
}

/** What GitHub answers a fine-grained or read-only token that lacks the permission. */
export function tokenCannotWrite(): ApiError {
  return new ApiError(403, "Resource not accessible by personal access token");
}

export function mustHavePushAccess(): ApiError {
  return new ApiError(403, "Must have push access to repository");
}
