/** Who the command is inside the sandbox; see bubblewrap-args.ts for why it is not the worker's user. */
export interface SandboxIdentity {
  readonly user: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly hostname: string;
}

export const SANDBOX_IDENTITY: SandboxIdentity = {
  user: "agent",
  uid: 1000,
  gid: 1000,
  home: "/home/agent",
  hostname: "sandbox",
};

/**
 * /etc/passwd inside: the agent, root and nobody, nothing of the host's
 * accounts. Tools look their user up (git for a default identity, ssh, npm)
 * and some refuse to run for a uid without an entry.
 */
export function sandboxPasswd(identity: SandboxIdentity): string {
  return [
    "root:x:0:0:root:/root:/usr/sbin/nologin",
    `${identity.user}:x:${identity.uid}:${identity.gid}:${identity.user}:${identity.home}:/bin/sh`,
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin",
    "",
  ].join("\n");
}

export function sandboxGroup(identity: SandboxIdentity): string {
  return ["root:x:0:", `${identity.user}:x:${identity.gid}:`, "nogroup:x:65534:", ""].join("\n");
}

/**
 * /etc/hosts inside: loopback and the sandbox's own hostname (tools that
 * resolve their hostname, like the JVM's, fail without it). The host's file is
 * not shown: in a container it names the container's addresses.
 */
export function sandboxHosts(identity: SandboxIdentity): string {
  return [
    "127.0.0.1\tlocalhost",
    `127.0.1.1\t${identity.hostname}`,
    "::1\tlocalhost ip6-localhost ip6-loopback",
    "",
  ].join("\n");
}
