import { describe, expect, it } from "vitest";
import { bubblewrapArgs, DATA_FDS, ETC_ENTRIES, SANDBOX_TREE_DIR, type BubblewrapArgsOptions, type BubblewrapArgsRequest } from "./bubblewrap-args.js";
import { SANDBOX_IDENTITY } from "./sandbox-identity-files.js";

const MERGED_USR: BubblewrapArgsOptions = {
  layout: {
    systemDirs: [
      { path: "/bin", symlinkTarget: "usr/bin" },
      { path: "/lib", symlinkTarget: "usr/lib" },
      { path: "/lib64", symlinkTarget: "usr/lib64" },
      { path: "/sbin", symlinkTarget: "usr/sbin" },
    ],
  },
  identity: SANDBOX_IDENTITY,
  extraReadOnlyPaths: [],
};

const REQUEST: BubblewrapArgsRequest = {
  argv: ["claude", "--print", "fix it"],
  treeDir: "/work/cache/abc.trees/1234",
  env: { PATH: "/usr/bin:/bin", HOME: "/home/node", ANTHROPIC_API_KEY: "sk-test" },
  readOnlyFiles: [{ hostPath: "/tmp/agent-instruction-x/instruction.md", sandboxPath: "/run/agent/instruction.md" }],
  network: false,
};

/** How many values each bwrap option takes, to read the flat list as [option, ...values]. */
const ARITY: Record<string, number> = {
  "--setenv": 2,
  "--bind": 2,
  "--ro-bind": 2,
  "--ro-bind-try": 2,
  "--symlink": 2,
  "--ro-bind-data": 2,
  "--uid": 1,
  "--gid": 1,
  "--hostname": 1,
  "--chdir": 1,
  "--perms": 1,
  "--size": 1,
  "--dir": 1,
  "--tmpfs": 1,
  "--proc": 1,
  "--dev": 1,
  "--remount-ro": 1,
};

function parse(options: readonly string[]): string[][] {
  const parsed: string[][] = [];
  for (let i = 0; i < options.length; ) {
    const option = options[i] ?? "";
    expect(option, `position ${i}`).toMatch(/^--/);
    const arity = ARITY[option] ?? 0;
    parsed.push(options.slice(i, i + 1 + arity));
    i += 1 + arity;
  }
  return parsed;
}

function withOption(options: readonly string[], name: string): string[][] {
  return parse(options).filter(([option]) => option === name);
}

/** Every host path mounted into the sandbox, with how. */
function mounts(options: readonly string[]): { kind: string; source: string; dest: string }[] {
  return parse(options)
    .filter(([option]) => option === "--bind" || option === "--ro-bind" || option === "--ro-bind-try")
    .map(([kind = "", source = "", dest = ""]) => ({ kind, source, dest }));
}

describe("bubblewrapArgs", () => {
  it("puts the command in new user, PID, IPC, UTS and cgroup namespaces, tied to the worker's life and without a terminal", () => {
    const { options } = bubblewrapArgs(REQUEST, MERGED_USR);

    for (const flag of ["--unshare-user", "--disable-userns", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]) {
      expect(options).toContain(flag);
    }
    expect(options).toContain("--die-with-parent");
    expect(options).toContain("--new-session");
    expect(withOption(options, "--uid")).toEqual([["--uid", "1000"]]);
    expect(withOption(options, "--hostname")).toEqual([["--hostname", "sandbox"]]);
  });

  it("cuts the network off unless the request asks for it", () => {
    expect(bubblewrapArgs(REQUEST, MERGED_USR).options).toContain("--unshare-net");
    expect(bubblewrapArgs({ ...REQUEST, network: true }, MERGED_USR).options).not.toContain("--unshare-net");
  });

  it("mounts the tree read-write at /workspace as the command's cwd, and no other host path writable", () => {
    const { options } = bubblewrapArgs(REQUEST, MERGED_USR);

    expect(mounts(options).filter((mount) => mount.kind === "--bind")).toEqual([{ kind: "--bind", source: REQUEST.treeDir, dest: SANDBOX_TREE_DIR }]);
    expect(withOption(options, "--chdir")).toEqual([["--chdir", SANDBOX_TREE_DIR]]);
  });

  it("shows /usr and the merged-/usr links read-only, and binds system directories that are real directories", () => {
    const { options } = bubblewrapArgs(REQUEST, {
      ...MERGED_USR,
      layout: { systemDirs: [{ path: "/bin", symlinkTarget: "usr/bin" }, { path: "/lib64" }] },
    });

    expect(mounts(options)).toContainEqual({ kind: "--ro-bind", source: "/usr", dest: "/usr" });
    expect(withOption(options, "--symlink")).toContainEqual(["--symlink", "usr/bin", "/bin"]);
    expect(mounts(options)).toContainEqual({ kind: "--ro-bind", source: "/lib64", dest: "/lib64" });
  });

  it("never mounts the host's /, /root, /home, /run, /var or /tmp, and from /etc only the curated entries", () => {
    const sources = mounts(bubblewrapArgs(REQUEST, MERGED_USR).options).map((mount) => mount.source);
    const allowed = new Set([
      "/usr",
      REQUEST.treeDir,
      ...REQUEST.readOnlyFiles.map((file) => file.hostPath),
      ...ETC_ENTRIES.map((entry) => `/etc/${entry}`),
    ]);

    expect(sources.filter((source) => !allowed.has(source))).toEqual([]);
    for (const secret of ["shadow", "gshadow", "ssh", "ssl/private", "machine-id", "environment", "sudoers", "npmrc", "gitconfig"]) {
      expect(ETC_ENTRIES).not.toContain(secret);
    }
  });

  it("gives the command private, empty /tmp and HOME, fresh /proc and /dev, and a generated passwd, group and hosts", () => {
    const parsed = parse(bubblewrapArgs(REQUEST, MERGED_USR).options);

    expect(parsed).toContainEqual(["--tmpfs", "/tmp"]);
    expect(parsed).toContainEqual(["--tmpfs", "/home/agent"]);
    expect(parsed).toContainEqual(["--proc", "/proc"]);
    expect(parsed).toContainEqual(["--dev", "/dev"]);
    expect(parsed).toContainEqual(["--ro-bind-data", String(DATA_FDS.passwd), "/etc/passwd"]);
    expect(parsed).toContainEqual(["--ro-bind-data", String(DATA_FDS.group), "/etc/group"]);
    expect(parsed).toContainEqual(["--ro-bind-data", String(DATA_FDS.hosts), "/etc/hosts"]);
  });

  it("caps the private tmpfs mounts when a size is configured", () => {
    const options = bubblewrapArgs(REQUEST, { ...MERGED_USR, tmpfsSizeBytes: 1 << 30 }).options;
    const sized = options.flatMap((option, i) => (option === "--size" ? [options[i + 2], options[i + 3]] : []));

    expect(sized).toEqual(["--tmpfs", "/tmp", "--tmpfs", "/home/agent"]);
  });

  it("clears the environment and sets only the request's variables, with HOME the private one", () => {
    const { options } = bubblewrapArgs(REQUEST, MERGED_USR);

    expect(options).toContain("--clearenv");
    expect(options.indexOf("--clearenv")).toBeLessThan(options.indexOf("--setenv"));
    expect(withOption(options, "--setenv")).toEqual([
      ["--setenv", "PATH", "/usr/bin:/bin"],
      ["--setenv", "HOME", "/home/agent"],
      ["--setenv", "ANTHROPIC_API_KEY", "sk-test"],
    ]);
  });

  it("binds read-only files at their sandbox paths and leaves the command itself out of the options", () => {
    const line = bubblewrapArgs(REQUEST, MERGED_USR);

    expect(mounts(line.options)).toContainEqual({
      kind: "--ro-bind",
      source: "/tmp/agent-instruction-x/instruction.md",
      dest: "/run/agent/instruction.md",
    });
    expect(line.command).toEqual(REQUEST.argv);
    expect(line.options).not.toContain("claude");
  });

  it("shows extra read-only paths for tools installed outside /usr at the same path", () => {
    const { options } = bubblewrapArgs(REQUEST, { ...MERGED_USR, extraReadOnlyPaths: ["/opt/agent-cli"] });

    expect(mounts(options)).toContainEqual({ kind: "--ro-bind", source: "/opt/agent-cli", dest: "/opt/agent-cli" });
  });

  it("remounts the sandbox's root read-only after everything else is in place", () => {
    expect(bubblewrapArgs(REQUEST, MERGED_USR).options.slice(-2)).toEqual(["--remount-ro", "/"]);
  });

  it("refuses a read-only file that would shadow part of the tree or cover /proc, and relative or unnormalized paths", () => {
    const withFile = (sandboxPath: string) => ({ ...REQUEST, readOnlyFiles: [{ hostPath: "/tmp/x", sandboxPath }] });

    expect(() => bubblewrapArgs(withFile("/workspace/instruction.md"), MERGED_USR)).toThrow(/shadow/);
    expect(() => bubblewrapArgs(withFile("/workspace"), MERGED_USR)).toThrow(/shadow/);
    expect(() => bubblewrapArgs(withFile("/proc/1/environ"), MERGED_USR)).toThrow(/kernel interface/);
    expect(() => bubblewrapArgs(withFile("instruction.md"), MERGED_USR)).toThrow(/absolute/);
    expect(() => bubblewrapArgs(withFile("/run/../workspace/x"), MERGED_USR)).toThrow(/normalized/);
    expect(() => bubblewrapArgs(withFile("/"), MERGED_USR)).toThrow(/not \//);
    expect(() => bubblewrapArgs(withFile("/workspace-notes/x"), MERGED_USR)).not.toThrow();
  });

  it("shows the tree's .git read-only over the writable tree, so the command cannot plant config, hooks or objects", () => {
    const { options } = bubblewrapArgs({ ...REQUEST, readOnlyTreePaths: [".git"] }, MERGED_USR);
    const all = mounts(options);
    const tree = all.findIndex((mount) => mount.kind === "--bind");
    const git = all.findIndex((mount) => mount.dest === `${SANDBOX_TREE_DIR}/.git`);

    expect(all[git]).toEqual({ kind: "--ro-bind", source: `${REQUEST.treeDir}/.git`, dest: `${SANDBOX_TREE_DIR}/.git` });
    // Later mounts cover earlier ones: the read-only .git must come after the writable tree.
    expect(git).toBeGreaterThan(tree);
  });

  it("refuses a read-only tree path that leaves the tree or is not normalized", () => {
    for (const relative of ["../x", "/etc", "a/../../b", ".", ""]) {
      expect(() => bubblewrapArgs({ ...REQUEST, readOnlyTreePaths: [relative] }, MERGED_USR), relative).toThrow(/inside the tree/);
    }
  });

  it("refuses what would corrupt the NUL-separated option stream: NUL bytes and names with =", () => {
    expect(() => bubblewrapArgs({ ...REQUEST, env: { A: "x\0--bind / /" } }, MERGED_USR)).toThrow(/NUL/);
    expect(() => bubblewrapArgs({ ...REQUEST, env: { "A=B": "x" } }, MERGED_USR)).toThrow(/variable name/);
    expect(() => bubblewrapArgs({ ...REQUEST, argv: [] }, MERGED_USR)).toThrow(/program/);
    expect(() => bubblewrapArgs({ ...REQUEST, treeDir: "tree" }, MERGED_USR)).toThrow(/absolute/);
  });
});
