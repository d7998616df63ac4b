import { appRoutes } from "./app-routes.js";
import { commentRoutes } from "./comment-routes.js";
import { gitRefRoutes } from "./git-ref-routes.js";
import { issueRoutes } from "./issue-routes.js";
import { labelRoutes } from "./label-routes.js";
import { pullRoutes } from "./pull-routes.js";
import { rateLimitRoutes } from "./rate-limit-routes.js";
import { repoRoutes } from "./repo-routes.js";
import { reviewCommentRoutes } from "./review-comment-routes.js";
import type { RouteDefinition } from "./route-types.js";
import { userRoutes } from "./user-routes.js";

/** Every REST route the sandbox serves; each operation is listed in API_OPERATIONS. */
export function allRoutes(): RouteDefinition[] {
  return [...repoRoutes, ...commentRoutes, ...issueRoutes, ...labelRoutes, ...reviewCommentRoutes, ...pullRoutes, ...gitRefRoutes, ...rateLimitRoutes, ...userRoutes, ...appRoutes];
}
