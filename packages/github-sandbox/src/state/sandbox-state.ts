import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { BareRepo } from "../git/bare-repo.js";
import type { AuthorAssociation, CreateRepoInput } from "../types.js";
import { DEFAULT_LABELS, IMPLICIT_LABEL_COLOR } from "./default-labels.js";
import { IdSequence, nodeId } from "./id-sequence.js";
import type { CommentRecord, IssueRecord, LabelRecord, RepoRecord, ReviewCommentRecord } from "./records.js";
import type { UserDirectory } from "./user-directory.js";
import { AppDirectory } from "./app-directory.js";

export type Permission = "admin" | "write" | "read" | "none";

const NAME_PATTERN = /^[A-Za-z0-9._-]+$/;

/** All repositories, issues, comments and labels of one sandbox, plus who may do what with them. */
export class SandboxState {
  private readonly repos = new Map<string, RepoRecord>();
  readonly apps: AppDirectory;

  constructor(
    readonly dataDir: string,
    readonly users: UserDirectory,
    readonly ids: IdSequence,
  ) {
    this.apps = new AppDirectory(users, ids);
  }

  async createRepo(input: CreateRepoInput): Promise<RepoRecord> {
    if (!NAME_PATTERN.test(input.owner) || !NAME_PATTERN.test(input.name) || input.name.endsWith(".git")) {
      throw new Error(`Invalid repository name ${input.owner}/${input.name}`);
    }
    if (this.findRepo(input.owner, input.name)) throw new Error(`Repository ${input.owner}/${input.name} already exists`);
    const owner = this.users.get(input.owner) ?? this.users.ensure(input.owner, "Organization");
    const gitDir = join(this.dataDir, owner.login, `${input.name}.git`);
    await mkdir(gitDir, { recursive: true });
    const git = new BareRepo(gitDir);
    const defaultBranch = input.defaultBranch ?? "main";
    await git.init(defaultBranch);
    const files = input.files ?? { "README.md": `# ${input.name}\n` };
    if (Object.keys(files).length > 0) await git.initialCommit(defaultBranch, files, "Initial commit");
    const repo = this.newRepoRecord(input, owner.login, gitDir, defaultBranch);
    this.repos.set(repoKey(owner.login, input.name), repo);
    return repo;
  }

  /** Owner and repository names are case-insensitive, as in GitHub URLs. */
  findRepo(owner: string, name: string): RepoRecord | undefined {
    return this.repos.get(repoKey(owner, name));
  }

  allRepos(): RepoRecord[] {
    return [...this.repos.values()];
  }

  git(repo: RepoRecord): BareRepo {
    return new BareRepo(repo.gitDir);
  }

  permission(repo: RepoRecord, login: string): Permission {
    const user = login.toLowerCase();
    if (user === repo.owner.toLowerCase() || user === this.users.roles.owner.toLowerCase()) return "admin";
    if (repo.collaborators.has(user)) return "write";
    // An App's bot may write where the App is installed (the permissions the runner asks for).
    if (this.apps.installedFor(user, repo.owner)) return "write";
    if (user === this.users.roles.readOnly.toLowerCase()) return "read";
    return repo.private ? "none" : "read";
  }

  /** How GitHub would label the author: the sandbox owner user counts as a member of every organization. */
  association(repo: RepoRecord, login: string): AuthorAssociation {
    const user = login.toLowerCase();
    if (user === repo.owner.toLowerCase()) return "OWNER";
    const ownerIsOrganization = this.users.get(repo.owner)?.type === "Organization";
    if (user === this.users.roles.owner.toLowerCase()) return ownerIsOrganization ? "MEMBER" : "COLLABORATOR";
    if (repo.collaborators.has(user)) return "COLLABORATOR";
    return "NONE";
  }

  findLabel(repo: RepoRecord, name: string): LabelRecord | undefined {
    const wanted = name.toLowerCase();
    return repo.labels.find((label) => label.name.toLowerCase() === wanted);
  }

  /** Naming an unknown label on an issue creates it, as GitHub does. */
  labelFor(repo: RepoRecord, name: string): LabelRecord {
    const existing = this.findLabel(repo, name);
    if (existing) return existing;
    const label = this.newLabel(name, IMPLICIT_LABEL_COLOR, null, false);
    repo.labels.push(label);
    return label;
  }

  newIssue(repo: RepoRecord, fields: Pick<IssueRecord, "title" | "body" | "author"> & Partial<IssueRecord>): IssueRecord {
    const now = Date.now();
    const id = this.ids.take("issue");
    const issue: IssueRecord = {
      id,
      nodeId: nodeId("Issue", id),
      number: repo.nextNumber++,
      state: "open",
      stateReason: null,
      labels: [],
      locked: false,
      commentCount: 0,
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      closedBy: null,
      ...fields,
    };
    repo.issues.set(issue.number, issue);
    repo.updatedAt = now;
    return issue;
  }

  newComment(repo: RepoRecord, issue: IssueRecord, author: string, body: string): CommentRecord {
    const now = Date.now();
    const id = this.ids.take("comment");
    const comment: CommentRecord = { id, nodeId: nodeId("IssueComment", id), issueNumber: issue.number, body, author, createdAt: now, updatedAt: now };
    repo.comments.set(id, comment);
    issue.commentCount += 1;
    issue.updatedAt = now;
    return comment;
  }

  newReviewComment(repo: RepoRecord, fields: Omit<ReviewCommentRecord, "id" | "nodeId" | "reviewId" | "createdAt" | "updatedAt">): ReviewCommentRecord {
    const now = Date.now();
    const id = this.ids.take("review_comment");
    const comment: ReviewCommentRecord = { id, nodeId: nodeId("PullRequestReviewComment", id), reviewId: this.ids.take("review"), createdAt: now, updatedAt: now, ...fields };
    repo.reviewComments.set(id, comment);
    return comment;
  }

  reviewCommentsOf(repo: RepoRecord, pullNumber: number): ReviewCommentRecord[] {
    return [...repo.reviewComments.values()].filter((comment) => comment.pullNumber === pullNumber);
  }

  commentsOf(repo: RepoRecord, issueNumber: number): CommentRecord[] {
    return [...repo.comments.values()].filter((comment) => comment.issueNumber === issueNumber);
  }

  private newRepoRecord(input: CreateRepoInput, owner: string, gitDir: string, defaultBranch: string): RepoRecord {
    const now = Date.now();
    const id = this.ids.take("repo");
    for (const login of input.collaborators ?? []) this.users.ensure(login);
    return {
      id,
      nodeId: nodeId("Repository", id),
      owner,
      name: input.name,
      private: input.private ?? false,
      description: input.description ?? null,
      defaultBranch,
      collaborators: new Set((input.collaborators ?? []).map((login) => login.toLowerCase())),
      gitDir,
      createdAt: now,
      updatedAt: now,
      pushedAt: now,
      labels: DEFAULT_LABELS.map((label) => this.newLabel(label.name, label.color, label.description, true)),
      issues: new Map(),
      comments: new Map(),
      reviewComments: new Map(),
      nextNumber: 1,
    };
  }

  private newLabel(name: string, color: string, description: string | null, isDefault: boolean): LabelRecord {
    const id = this.ids.take("label");
    return { id, nodeId: nodeId("Label", id), name, color, description, default: isDefault };
  }
}

function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}
