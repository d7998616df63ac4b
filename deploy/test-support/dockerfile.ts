/** A minimal Dockerfile reader: enough to check the stages of this repository's Dockerfile. */

export interface Instruction {
  /** Upper-cased keyword: FROM, RUN, ENV, ... */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined. */
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly name: string | undefined;
  /** The FROM image as written (may be an ARG reference or another stage's name). */
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  /** ARGs declared before the first FROM, with their defaults. */
  readonly globalArgs: ReadonlyMap<string, string | undefined>;
  readonly stages: readonly Stage[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  let pending: { keyword: string; args: string; line: number } | undefined;
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (pending === undefined && (line === "" || line.startsWith("#"))) return;
    if (pending !== undefined && line.startsWith("#")) return; // comments inside a continuation
    const continues = line.endsWith("\\");
    const body = continues ? line.slice(0, -1).trim() : line;
    if (pending === undefined) {
      const match = /^(\S+)\s*(.*)$/.exec(body);
      pending = { keyword: (match?.[1] ?? "").toUpperCase(), args: match?.[2] ?? "", line: index + 1 };
    } else if (body !== "") {
      pending.args = `${pending.args} ${body}`.trim();
    }
    if (!continues) {
      instructions.push(pending);
      pending = undefined;
    }
  });
  if (pending !== undefined) instructions.push(pending);

  const globalArgs = new Map<string, string | undefined>();
  const stages: { name: string | undefined; from: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const words = instruction.args.split(/\s+/).filter((word) => !word.startsWith("--platform"));
      const asIndex = words.findIndex((word) => word.toUpperCase() === "AS");
      stages.push({ name: asIndex >= 0 ? words[asIndex + 1] : undefined, from: words[0] ?? "", instructions: [] });
    } else if (stages.length === 0) {
      if (instruction.keyword === "ARG") {
        const [name = "", value] = instruction.args.split(/=(.*)/s, 2);
        globalArgs.set(name.trim(), value?.trim());
      }
    } else {
      stages[stages.length - 1]!.instructions.push(instruction);
    }
  }
  return { globalArgs, stages };
}

/** Instructions in effect for a stage: those of the stages it is built FROM, then its own. */
export function effectiveInstructions(file: Dockerfile, stageName: string): Instruction[] {
  const chain: Stage[] = [];
  let current = file.stages.find((stage) => stage.name === stageName);
  while (current !== undefined && !chain.includes(current)) {
    chain.unshift(current);
    const parent = current.from;
    current = file.stages.find((stage) => stage.name === parent);
  }
  return chain.flatMap((stage) => [...stage.instructions]);
}

/** The external image a stage finally builds on, with global ARG defaults substituted. */
export function baseImage(file: Dockerfile, stageName: string): string {
  let stage = file.stages.find((candidate) => candidate.name === stageName);
  const seen = new Set<Stage>();
  while (stage !== undefined && !seen.has(stage)) {
    seen.add(stage);
    const parent = file.stages.find((candidate) => candidate.name === stage!.from);
    if (parent === undefined) break;
    stage = parent;
  }
  return (stage?.from ?? "").replace(/\$\{?(\w+)\}?/g, (_whole, name: string) => file.globalArgs.get(name) ?? "");
}

/** Package names given to `apt-get install` (or `apt install`) anywhere in a shell text. */
export function aptInstalledPackages(shell: string): string[] {
  const packages: string[] = [];
  for (const command of shell.replace(/\\\r?\n/g, " ").split(/&&|\|\||;|\||\n/)) {
    const words = command.trim().split(/\s+/);
    const apt = words.findIndex((word) => /(^|\/)apt(-get)?$/.test(word));
    if (apt < 0) continue;
    let verb = apt + 1;
    while (words[verb]?.startsWith("-")) verb += 1;
    if (words[verb] !== "install") continue;
    for (const word of words.slice(verb + 1)) {
      if (word.startsWith("-")) continue;
      if (/^[a-z0-9][a-z0-9+.-]*$/.test(word)) packages.push(word);
    }
  }
  return packages;
}

/**
 * What CI apt-installs: `apt-get install` words and the contents of bash arrays named like
 * `APT_PACKAGES=(...)` in the entry script and in the repository scripts it runs (`bash x.sh`).
 */
export function ciAptPackages(entryPath: string, readScript: (relativePath: string) => string | undefined): string[] {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (relativePath: string, depth: number): void => {
    if (seen.has(relativePath) || depth > 3) return;
    seen.add(relativePath);
    const text = readScript(relativePath);
    if (text === undefined) return;
    for (const name of aptInstalledPackages(text)) packages.add(name);
    for (const [, list = ""] of text.matchAll(/^\s*(?:local\s+|readonly\s+)?\w*APT\w*=\(([^)]*)\)/gim)) {
      for (const word of list.split(/\s+/)) if (/^[a-z0-9][a-z0-9+.-]*$/.test(word)) packages.add(word);
    }
    for (const [, script = ""] of text.matchAll(/(?:^|[\s;&|(])(?:bash|sh|source|\.)\s+(?:"?\$\S*\/)?"?((?:\.\/)?[\w./-]+\.sh)\b/gm)) {
      visit(script.replace(/^\.\//, ""), depth + 1);
    }
  };
  visit(entryPath, 0);
  return [...packages];
}
