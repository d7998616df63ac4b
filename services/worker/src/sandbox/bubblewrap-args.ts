import path from "node:path";
import type { SandboxRunRequest } from "./agent-sandbox.js";
import type { SandboxIdentity } from "./sandbox-identity-files.js";

/*
 * What the change command sees under bubblewrap:
 *
 *   /            a fresh tmpfs, remounted read-only once everything is in place
 *   /usr         host /usr, read-only (/usr/local too: CLIs installed with npm -g live there)
 *   /bin /sbin /lib /lib64 ...   the host's merged-/usr symlinks, or read-only binds where they are real directories
 *   /etc         a handful of host files, read-only (ETC_ENTRIES), plus a passwd, group and hosts of our own
 *   /proc        a new procfs of the sandbox's PID namespace: only the command's own processes
 *   /dev         a minimal new devtmpfs (null, zero, random, tty, pts, shm)
 *   /tmp         a private empty tmpfs; /var/tmp links to it
 *   /home/agent  a private empty tmpfs, $HOME: no dotfiles, caches or credentials of the worker's user
 *   /workspace   the task's working tree, read-write: the only host path the command can change; its cwd
 *   readOnlyFiles at their sandboxPath, extraReadOnlyPaths at their host path, read-only
 *
 * Never shown: the rest of /, in particular /root, /home, /run (sockets: Docker, D-Bus), /var, the host's /tmp,
 * the worker's workspace directory with the other tasks' trees and the mirrors, and the worker's own files.
 *
 * The tree sits at a fixed /workspace rather than at its host path: the host layout (cache directory, the
 * hash naming the repository) stays hidden, and a pooled tree reused by the next task sees the same path, so
 * absolute paths a tool records in the tree (virtualenvs, caches) keep working from task to task.
 */
export const SANDBOX_TREE_DIR = "/workspace";

/** The descriptors the adapter fills: bwrap's options (--args keeps env values out of the host's `ps`), then the generated files. */
export const ARGS_FD = 3;
export const DATA_FDS = { passwd: 4, group: 5, hosts: 6 } as const;

/**
 * Host /etc entries a CLI needs: name resolution, TLS trust, the Debian
 * alternatives links /usr/bin points into, the dynamic linker's cache, the
 * time zone. Left out on purpose, because they hold secrets or identify the
 * host: shadow and gshadow, ssh (host keys), ssl/private, machine-id,
 * hostname, environment, sudoers, apt/auth.conf.d, npmrc and pip.conf
 * (registry credentials), gitconfig, and every service's config (redis, docker).
 * Missing entries are skipped (--ro-bind-try): not every distribution has all.
 */
export const ETC_ENTRIES: readonly string[] = [
  "resolv.conf",
  "nsswitch.conf",
  "host.conf",
  "gai.conf",
  "protocols",
  "services",
  "ssl/certs",
  "ssl/openssl.cnf",
  "ca-certificates",
  "ca-certificates.conf",
  "pki/tls/certs",
  "pki/ca-trust/extracted",
  "alternatives",
  "ld.so.cache",
  "ld.so.conf",
  "ld.so.conf.d",
  "localtime",
  "timezone",
  "mime.types",
  "os-release",
  "debian_version",
];

/** A top-level system directory next to /usr: a symlink into it on merged-/usr systems, else a real directory. */
export interface SystemDir {
  readonly path: string;
  /** Set when the host's entry is a symlink (e.g. /bin -> usr/bin): it is recreated, not bound. */
  readonly symlinkTarget?: string;
}

export interface HostLayout {
  readonly systemDirs: readonly SystemDir[];
}

export interface BubblewrapArgsOptions {
  readonly layout: HostLayout;
  readonly identity: SandboxIdentity;
  /** Host paths shown read-only at the same path, for tools installed outside /usr (e.g. /opt/agent-cli). */
  readonly extraReadOnlyPaths: readonly string[];
  /** Caps each of /tmp and $HOME; the kernel's default is half the RAM. */
  readonly tmpfsSizeBytes?: number;
}

export type BubblewrapArgsRequest = Pick<
  SandboxRunRequest,
  "argv" | "treeDir" | "env" | "readOnlyFiles" | "readOnlyTreePaths" | "network"
>;

export interface BubblewrapCommandLine {
  /** bwrap's options, one per entry: written NUL-separated to ARGS_FD. */
  readonly options: readonly string[];
  /** The program and its arguments, given after `--` on bwrap's command line (bwrap takes no command through --args). */
  readonly command: readonly string[];
}

/** The whole bwrap invocation for one run; pure, so the mount layout can be read and tested without running it. */
export function bubblewrapArgs(request: BubblewrapArgsRequest, options: BubblewrapArgsOptions): BubblewrapCommandLine {
  checkRequest(request, options);
  return {
    options: [
      ...namespaceArgs(request.network, options.identity),
      ...environmentArgs(request.env, options.identity),
      ...systemArgs(options.layout),
      ...etcArgs(),
      ...scratchArgs(options.identity, options.tmpfsSizeBytes),
      // After the private /tmp and HOME, so an operator's path below them is shown, not covered.
      ...options.extraReadOnlyPaths.flatMap((hostPath) => ["--ro-bind", hostPath, hostPath]),
      "--bind",
      request.treeDir,
      SANDBOX_TREE_DIR,
      ...(request.readOnlyTreePaths ?? []).flatMap((relative) => [
        "--ro-bind",
        path.join(request.treeDir, relative),
        path.posix.join(SANDBOX_TREE_DIR, relative),
      ]),
      ...request.readOnlyFiles.flatMap((file) => ["--ro-bind", file.hostPath, file.sandboxPath]),
      "--chdir",
      SANDBOX_TREE_DIR,
      // Last: every mount point above had to be created in the root tmpfs first.
      "--remount-ro",
      "/",
    ],
    command: [...request.argv],
  };
}

/**
 * A new namespace of every kind. The user namespace maps the worker's uid to
 * a fixed unprivileged uid (never root inside, which some agents refuse to
 * run as) and --disable-userns stops the command from nesting more of them,
 * a large kernel attack surface. The PID namespace is what makes stopping
 * reliable: when its first process dies, the kernel kills every other one,
 * setsid and double-forked daemons included. --new-session detaches the
 * controlling terminal (no TIOCSTI keystroke injection); --die-with-parent
 * takes the sandbox down with the worker.
 */
function namespaceArgs(network: boolean, identity: SandboxIdentity): string[] {
  return [
    "--unshare-user",
    "--disable-userns",
    "--uid",
    String(identity.uid),
    "--gid",
    String(identity.gid),
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--hostname",
    identity.hostname,
    "--unshare-cgroup-try",
    // Network on shares the host's network namespace: every interface, the loopback services of the host or
    // container (an unauthenticated Redis holding the queue, the worker's metrics and admin ports), cloud
    // metadata endpoints and abstract Unix sockets. That is why it is off unless a task needs it.
    ...(network ? [] : ["--unshare-net"]),
    "--die-with-parent",
    "--new-session",
  ];
}

/** Only the request's variables; HOME is always the private one, whatever the worker's HOME was. */
function environmentArgs(env: Readonly<Record<string, string>>, identity: SandboxIdentity): string[] {
  const inside = { ...env, HOME: identity.home };
  return ["--clearenv", ...Object.entries(inside).flatMap(([name, value]) => ["--setenv", name, value])];
}

function systemArgs(layout: HostLayout): string[] {
  return [
    "--ro-bind",
    "/usr",
    "/usr",
    ...layout.systemDirs.flatMap((dir) =>
      dir.symlinkTarget === undefined ? ["--ro-bind", dir.path, dir.path] : ["--symlink", dir.symlinkTarget, dir.path],
    ),
  ];
}

function etcArgs(): string[] {
  const parents = [...new Set(ETC_ENTRIES.map((entry) => path.posix.dirname(entry)).filter((dir) => dir !== "."))];
  return [
    ...directory("/etc", "0755"),
    ...parents.flatMap((dir) => directory(`/etc/${dir}`, "0755")),
    ...ETC_ENTRIES.flatMap((entry) => ["--ro-bind-try", `/etc/${entry}`, `/etc/${entry}`]),
    ...dataFile(DATA_FDS.passwd, "/etc/passwd"),
    ...dataFile(DATA_FDS.group, "/etc/group"),
    ...dataFile(DATA_FDS.hosts, "/etc/hosts"),
  ];
}

/** Kernel interfaces and the private writable scratch space; none of it outlives the run. */
function scratchArgs(identity: SandboxIdentity, sizeBytes: number | undefined): string[] {
  const size = sizeBytes === undefined ? [] : ["--size", String(sizeBytes)];
  return [
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--perms",
    "1777",
    ...size,
    "--tmpfs",
    "/tmp",
    ...directory("/var", "0755"),
    "--symlink",
    "../tmp",
    "/var/tmp",
    ...directory(path.posix.dirname(identity.home), "0755"),
    "--perms",
    "0700",
    ...size,
    "--tmpfs",
    identity.home,
  ];
}

function directory(dir: string, mode: string): string[] {
  return ["--perms", mode, "--dir", dir];
}

function dataFile(fd: number, dest: string): string[] {
  return ["--perms", "0644", "--ro-bind-data", String(fd), dest];
}

/** Refuses what would corrupt the NUL-separated --args stream or put a file where it shadows the tree. */
function checkRequest(request: BubblewrapArgsRequest, options: BubblewrapArgsOptions): void {
  if (request.argv.length === 0 || request.argv[0] === "") throw new Error("the sandbox needs a program to run");
  if (!path.isAbsolute(request.treeDir)) throw new Error(`the tree ${request.treeDir} is not an absolute path`);
  const strings = [...request.argv, request.treeDir, ...Object.entries(request.env).flat(), ...options.extraReadOnlyPaths];
  if (strings.some((text) => text.includes("\0"))) throw new Error("a sandbox argument or variable contains a NUL byte");
  for (const name of Object.keys(request.env)) {
    if (name === "" || name.includes("=")) throw new Error(`"${name}" is not an environment variable name`);
  }
  for (const file of request.readOnlyFiles) {
    checkSandboxPath(file.sandboxPath);
    if (isWithin(file.sandboxPath, SANDBOX_TREE_DIR)) {
      throw new Error(`read-only file ${file.sandboxPath} would shadow part of the tree at ${SANDBOX_TREE_DIR}`);
    }
  }
  for (const hostPath of options.extraReadOnlyPaths) checkSandboxPath(hostPath);
  for (const relative of request.readOnlyTreePaths ?? []) {
    const normal = path.posix.normalize(relative);
    if (relative === "" || path.posix.isAbsolute(relative) || normal !== relative || normal === "." || normal.startsWith("..")) {
      throw new Error(`read-only tree path "${relative}" must be a normalized path inside the tree`);
    }
  }
}

function checkSandboxPath(sandboxPath: string): void {
  if (!path.posix.isAbsolute(sandboxPath) || path.posix.normalize(sandboxPath) !== sandboxPath || sandboxPath === "/") {
    throw new Error(`sandbox path "${sandboxPath}" must be absolute, normalized and not /`);
  }
  if (["/proc", "/dev"].some((kernel) => isWithin(sandboxPath, kernel))) {
    throw new Error(`sandbox path ${sandboxPath} would cover a kernel interface`);
  }
}

function isWithin(child: string, parent: string): boolean {
  return child === parent || child.startsWith(`${parent}/`);
}
