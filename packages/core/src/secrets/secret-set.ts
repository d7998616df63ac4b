/**
 * Secrets known so far, growing at run time: a GitHub App mints a new
 * installation token every hour, and each must be scrubbed like the first.
 * Scrubbers read `list()` on every use, so a token added now is masked from
 * the next line on.
 */
export class SecretSet {
  private readonly secrets = new Set<string>();
  private snapshot: readonly string[] = [];
  /** Bumped on every addition, so derived forms can be cached. */
  private revision = 0;

  constructor(initial: Iterable<string> = []) {
    for (const secret of initial) this.add(secret);
  }

  add(secret: string): void {
    if (secret === "" || this.secrets.has(secret)) return;
    this.secrets.add(secret);
    this.snapshot = [...this.secrets];
    this.revision += 1;
  }

  list(): readonly string[] {
    return this.snapshot;
  }

  get version(): number {
    return this.revision;
  }
}

/** A fixed list or a growing set, read at the moment of use. */
export type Secrets = readonly string[] | SecretSet;

export function currentSecrets(secrets: Secrets): readonly string[] {
  return secrets instanceof SecretSet ? secrets.list() : secrets;
}
