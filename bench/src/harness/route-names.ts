/** Short names of the REST routes the runner uses, for the per-task breakdown in notes. */
const NAMES: Record<string, string> = {
  "GET /repos/{owner}/{repo}/issues": "poll listing",
  "GET /repos/{owner}/{repo}": "repo metadata",
  "GET /repos/{owner}/{repo}/pulls": "PR look-up",
  "POST /repos/{owner}/{repo}/pulls": "PR create",
  "PATCH /repos/{owner}/{repo}/pulls/{pull_number}": "PR update",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": "comment look-up",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": "comment",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/labels": "label",
  "GET /repos/{owner}/{repo}/issues/comments": "follow-up listing",
  "GET /repos/{owner}/{repo}/pulls/comments": "review comment listing",
};

/** "1.00 PR look-up, 1.00 PR create, …": calls per task by route, largest first. */
export function perTaskBreakdown(byRoute: Readonly<Record<string, number>>, tasks: number): string {
  return Object.entries(byRoute)
    .sort((a, b) => b[1] - a[1])
    .map(([route, count]) => `${(count / tasks).toFixed(2)} ${NAMES[route] ?? route}`)
    .join(", ");
}
