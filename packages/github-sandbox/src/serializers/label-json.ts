import type { LabelRecord, RepoRecord } from "../state/records.js";
import type { Label } from "../types.js";
import type { JsonContext } from "./json-context.js";
import { repoApiUrl } from "./repo-json.js";

export function labelJson(ctx: JsonContext, repo: RepoRecord, label: LabelRecord): Label {
  return {
    id: label.id,
    node_id: label.nodeId,
    url: `${repoApiUrl(ctx, repo)}/labels/${encodeURIComponent(label.name)}`,
    name: label.name,
    color: label.color,
    default: label.default,
    description: label.description,
  };
}
