import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { TaskTimeoutError } from "@agent-runner/core";
import { afterEach, describe, expect, it } from "vitest";
import { bubblewrapArgs } from "./bubblewrap-args.js";
import { BubblewrapSandbox } from "./bubblewrap-sandbox.js";
import { findExecutable } from "./find-executable.js";
import { readHostLayout } from "./host-layout.js";
import { SANDBOX_IDENTITY, sandboxGroup, sandboxHosts, sandboxPasswd } from "./sandbox-identity-files.js";
import { SandboxSetupError } from "./sandbox-setup-error.js";
import { SandboxUnavailableError } from "./sandbox-unavailable-error.js";
import { SandboxTestKit, START_DAEMON, stillBeating, waitForContent } from "./test-support/sandbox-test-kit.js";

const kit = new SandboxTestKit();
afterEach(() => kit.cleanUp());

describe("BubblewrapSandbox", () => {
  describe("files", () => {
    it("lets the command write its tree, and those writes show on the host", async () => {
      const dirs = await kit.dirs();
      const { exit, output } = await kit.run(dirs, ["pwd", "echo relative > relative.txt", "echo absolute > /workspace/absolute.txt", "cat README.md"].join("\n"));

      expect(exit).toEqual({ code: 0, signal: null });
      expect(output).toBe("/workspace\nthe task's tree\n");
      expect(await readFile(path.join(dirs.tree, "relative.txt"), "utf8")).toBe("relative\n");
      expect(await readFile(path.join(dirs.tree, "absolute.txt"), "utf8")).toBe("absolute\n");
    });

    it("stops the command from writing any host path outside its tree: a directory next to it, /, /usr and /etc", async () => {
      const dirs = await kit.dirs();
      const victim = path.join(dirs.outside, "victim.txt");
      const marker = `sandbox-write-${randomUUID()}`;
      const targets = [victim, `/${marker}`, `/usr/${marker}`, `/usr/local/${marker}`, "/etc/passwd", "/etc/resolv.conf"];
      const script = targets.map((target) => `if echo overwritten > '${target}'; then echo "wrote ${target}"; else echo "refused ${target}"; fi`);
      const { exit, output } = await kit.run(dirs, script.join("\n"));

      expect(exit.code).toBe(0);
      // Each attempt was made and failed (no such directory, or a read-only file system).
      for (const target of targets) expect(output).toContain(`refused ${target}`);
      expect(output).not.toContain("wrote ");
      expect(output).toMatch(/Read-only file system/);
      expect(await readFile(victim, "utf8")).toBe("original\n");
      for (const dir of ["/", "/usr", "/usr/local"]) expect(await readdir(dir)).not.toContain(marker);
      expect(await readFile("/etc/passwd", "utf8")).not.toContain("overwritten");
    });

    it("hides another task's tree next to this one, the host's HOME, /root and the host's /tmp", async () => {
      const dirs = await kit.dirs();
      const secret = (await readFile(path.join(dirs.sibling, "secret.txt"), "utf8")).trim();
      const hostTmpMarker = await kit.tempDir("agent-sandbox-host-tmp-marker-");
      await writeFile(path.join(hostTmpMarker, "marker.txt"), "host tmp\n");
      // Preconditions on the host: there is something to hide.
      expect((await readdir(os.homedir())).length).toBeGreaterThan(0);
      expect(await readdir(os.tmpdir())).toContain(path.basename(hostTmpMarker));

      const script = `
        for target in "${dirs.sibling}" "${dirs.sibling}/secret.txt" "${dirs.base}" "${os.homedir()}" /root "${hostTmpMarker}/marker.txt" /work /run /var/lib; do
          if ls -A "$target" >/dev/null 2>&1; then echo "visible $target"; else echo "hidden $target"; fi
        done
        echo "home: $HOME, $(ls -A "$HOME" | wc -l) entries"
        echo "tmp: $(ls -A /tmp | wc -l) entries"
        echo "files: $(find / -path /proc -prune -o -type f -print 2>/dev/null | wc -l)"
        find / -path /proc -prune -o \\( -name "${path.basename(dirs.base)}" -o -name "${path.basename(hostTmpMarker)}" -o -name secret.txt -o -name agent.sh \\) -print 2>/dev/null | sed 's/^/found: /'
        echo "search done"
      `;
      const { exit, output } = await kit.run(dirs, script);

      expect(exit.code, output).toBe(0);
      expect(output).toContain("search done");
      expect(output).not.toMatch(/^visible /m);
      expect(output).toContain(`hidden ${dirs.sibling}/secret.txt`);
      expect(output).toContain(`hidden ${os.homedir()}`);
      expect(output).toContain("hidden /root");
      expect(output).toContain(`hidden ${hostTmpMarker}/marker.txt`);
      expect(output).toContain("home: /home/agent, 0 entries");
      expect(output).toContain("tmp: 0 entries");
      // The search covered the system the command can see (thousands of files under /usr), and found neither file.
      expect(Number(/^files: (\d+)$/m.exec(output)?.[1])).toBeGreaterThan(1_000);
      // The script itself is the one match: the search does find what is there.
      expect(output.match(/^found: .*$/gm)).toEqual(["found: /opt/sandbox-test/agent.sh"]);
      expect(output).not.toContain(secret);
    });

    it("keeps the tree's .git read-only while the rest of the tree stays writable", async () => {
      const dirs = await kit.dirs();
      await mkdir(path.join(dirs.tree, ".git", "hooks"), { recursive: true });
      await writeFile(path.join(dirs.tree, ".git", "config"), "[core]\n\tbare = false\n");
      const script = [
        "if printf '[remote \"origin\"]\\n\\turl = http://attacker.invalid/x\\n' >> .git/config; then echo 'wrote config'; else echo 'refused config'; fi",
        "if echo evil > .git/hooks/pre-push; then echo 'wrote hook'; else echo 'refused hook'; fi",
        "if echo fine > notes.txt; then echo 'wrote tree'; fi",
        "cat .git/config",
      ].join("\n");
      const { exit, output } = await kit.run(dirs, script, { readOnlyTreePaths: [".git"] });

      expect(exit.code).toBe(0);
      expect(output).toContain("refused config");
      expect(output).toContain("refused hook");
      expect(output).toContain("wrote tree");
      // The command could read what it could not change.
      expect(output).toContain("bare = false");
      expect(await readFile(path.join(dirs.tree, ".git", "config"), "utf8")).toBe("[core]\n\tbare = false\n");
      expect(await readdir(path.join(dirs.tree, ".git", "hooks"))).toEqual([]);
      expect(await readFile(path.join(dirs.tree, "notes.txt"), "utf8")).toBe("fine\n");
    });

    it("lets the command read a read-only file but not change or delete it", async () => {
      const dirs = await kit.dirs();
      const instruction = path.join(dirs.outside, "instruction.md");
      await writeFile(instruction, "Fix the bug.\n");
      const inside = "/run/agent/instruction.md";
      const script = `
        cat ${inside}
        if echo appended >> ${inside}; then echo "appended"; else echo "append refused"; fi
        if rm -f ${inside}; then echo "removed"; else echo "remove refused"; fi
        if chmod 666 ${inside}; then echo "chmodded"; else echo "chmod refused"; fi
      `;
      const { exit, output } = await kit.run(dirs, script, { readOnlyFiles: [{ hostPath: instruction, sandboxPath: inside }] });

      expect(exit.code).toBe(0);
      expect(output).toContain("Fix the bug.");
      expect(output).toContain("append refused");
      expect(output).toContain("remove refused");
      expect(output).toContain("chmod refused");
      expect(await readFile(instruction, "utf8")).toBe("Fix the bug.\n");
    });

    it("runs the command as an unprivileged user that cannot create further user namespaces", async () => {
      const dirs = await kit.dirs();
      const { output } = await kit.run(dirs, 'id -u; whoami; unshare --user true && echo "nested userns" || echo "nested userns refused"');

      expect(output).toMatch(/^1000\nagent\n/);
      expect(output).toContain("nested userns refused");
    });
  });

  describe("the worker's secrets", () => {
    it("keeps the worker's environment out of reach: not in /proc, not in ps, not anywhere on the visible file system", async () => {
      const token = ["ghp", `agentrunnerfaketoken${randomUUID().replaceAll("-", "")}`].join("_");
      const saved = process.env["GITHUB_TOKEN"];
      process.env["GITHUB_TOKEN"] = token;
      try {
        const dirs = await kit.dirs();
        // The search pattern is split so the script itself never matches it.
        const script = `
          n=0
          for f in /proc/[0-9]*/environ; do n=$((n+1)); tr '\\0' '\\n' < "$f"; done
          echo "environ files read: $n"
          echo "environ of PID 1: [$(tr '\\0' ' ' < /proc/1/environ)]"
          tr '\\0' ' ' < /proc/1/cmdline; echo
          ps -eww -o pid,args
          env
          echo "processes seen: $(ps -e --no-headers | wc -l)"
          a=agentrunner; b=faketoken
          # A control: a file that does match, so a search that finds nothing has really searched.
          printf '%s%s_control\\n' "$a" "$b" > control.txt
          files=$(find / \\( -path /proc -o -path /dev \\) -prune -o -type f -print 2>/dev/null | wc -l)
          found=$(for d in /*; do case "$d" in /proc|/dev) ;; *) grep -rsIlF -e "$a$b" "$d";; esac; done)
          echo "$found"
          echo "searched $files files, matches: $(echo "$found" | grep -c .)"
        `;
        const { exit, output } = await kit.run(dirs, script);

        expect(exit.code).toBe(0);
        expect(output).not.toContain(token);
        expect(output).not.toContain("agentrunnerfaketoken");
        expect(output).not.toContain("GITHUB_TOKEN");
        // Not even the harmless parts of the worker's environment: bwrap's own PID 1 inside was started with none.
        expect(output).not.toContain(process.env["PATH"]);
        expect(output).toMatch(/^environ of PID 1: \[\]$/m);
        expect(Number(/^environ files read: (\d+)$/m.exec(output)?.[1])).toBeGreaterThanOrEqual(2);
        // Only the sandbox's own processes are in its /proc: bwrap's PID 1, the script and its tools.
        expect(Number(/^processes seen: (\d+)$/m.exec(output)?.[1])).toBeLessThan(10);
        expect(Number(/^searched (\d+) files/m.exec(output)?.[1])).toBeGreaterThan(1_000);
        expect(output).toMatch(/matches: 1$/m);
        expect(output).toMatch(/^\/workspace\/control\.txt$/m);
      } finally {
        if (saved === undefined) delete process.env["GITHUB_TOKEN"];
        else process.env["GITHUB_TOKEN"] = saved;
      }
    }, 300_000);
  });

  describe("network", () => {
    const connectScript = `
      echo "interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')"
      if echo hello > /dev/tcp/127.0.0.1/$PORT; then echo "connect: ok"; else echo "connect: failed"; fi
    `;

    it("cannot reach a port on the host's loopback when the network is off", async () => {
      await withServer(async (port, connections) => {
        const dirs = await kit.dirs();
        const { output } = await kit.run(dirs, connectScript, { shell: "/bin/bash", env: { PATH: "/usr/bin:/bin", PORT: String(port) } });

        expect(output).toContain("interfaces: lo \n");
        expect(output).toContain("Connection refused");
        expect(output).toContain("connect: failed");
        expect(connections()).toBe(0);
      });
    });

    it("reaches the host's loopback when the network is on, so the test above really tried", async () => {
      await withServer(async (port, connections) => {
        const dirs = await kit.dirs();
        const { output } = await kit.run(dirs, connectScript, {
          shell: "/bin/bash",
          env: { PATH: "/usr/bin:/bin", PORT: String(port) },
          network: true,
        });

        expect(output).toContain("connect: ok");
        await waitFor(() => connections() === 1);
      });
    });
  });

  describe("stopping", () => {
    it("leaves no process behind after a normal exit, not even a daemon that left the session", async () => {
      const dirs = await kit.dirs();
      const { exit, output } = await kit.run(dirs, `${START_DAEMON}\nexit 0`);

      expect(exit).toEqual({ code: 0, signal: null });
      expect(output).toContain("daemon is beating");
      expect(await stillBeating(path.join(dirs.tree, "heartbeat"))).toBe(false);
      expect(await kit.survivors()).toEqual([]);
    });

    it("rejects with a TaskTimeoutError on timeout, after killing the command and its daemon", async () => {
      const dirs = await kit.dirs();
      const started = Date.now();
      const run = kit.run(dirs, `${START_DAEMON}\nsleep 600`, { timeoutMs: 1_500 });

      await expect(run).rejects.toBeInstanceOf(TaskTimeoutError);
      expect(Date.now() - started).toBeLessThan(6_000);
      expect(await stillBeating(path.join(dirs.tree, "heartbeat"))).toBe(false);
      expect(await kit.survivors()).toEqual([]);
    });

    it("rejects with the abort reason on abort, killing a command that ignores SIGTERM and its daemon", async () => {
      const dirs = await kit.dirs();
      const controller = new AbortController();
      const reason = new Error("worker shutting down");
      const run = kit.run(dirs, `trap "" TERM\n${START_DAEMON}\nwhile :; do sleep 0.1; done`, { signal: controller.signal });
      await waitForContent(path.join(dirs.tree, "heartbeat"));
      const started = Date.now();
      controller.abort(reason);

      await expect(run).rejects.toBe(reason);
      // SIGTERM was ignored: the grace period (300 ms) passed, then SIGKILL.
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await stillBeating(path.join(dirs.tree, "heartbeat"))).toBe(false);
      expect(await kit.survivors()).toEqual([]);
    });

    it("sends SIGTERM first, so the command can clean up within the grace period", async () => {
      const dirs = await kit.dirs();
      const script = `trap 'echo "got TERM"; echo cleaned > cleanup.txt; exit 0' TERM\necho started\nwhile :; do sleep 0.1; done`;
      const run = kit.run(dirs, script, { timeoutMs: 1_000, killGraceMs: 5_000 });

      await expect(run).rejects.toBeInstanceOf(TaskTimeoutError);
      expect(await readFile(path.join(dirs.tree, "cleanup.txt"), "utf8")).toBe("cleaned\n");
    });

    it("dies with the worker: when the worker process is killed outright, every process in the sandbox dies too", async () => {
      const dirs = await kit.dirs();
      // A stand-in worker: a node process that starts bwrap with this adapter's options, the way runBubblewrap does.
      const line = bubblewrapArgs(
        { argv: ["/bin/sh", "-c", `${START_DAEMON}\nsleep 600`, kit.marker], treeDir: dirs.tree, env: { PATH: "/usr/bin:/bin", MARKER: kit.marker }, readOnlyFiles: [], network: false },
        { layout: await readHostLayout(), identity: SANDBOX_IDENTITY, extraReadOnlyPaths: [] },
      );
      const spec = [
        await findExecutable("bwrap", process.env["PATH"]),
        line.options,
        line.command,
        sandboxPasswd(SANDBOX_IDENTITY),
        sandboxGroup(SANDBOX_IDENTITY),
        sandboxHosts(SANDBOX_IDENTITY),
      ];
      const worker = spawn(process.execPath, ["-e", STAND_IN_WORKER], { env: { SPEC: JSON.stringify(spec) }, stdio: "ignore" });
      try {
        await waitForContent(path.join(dirs.tree, "heartbeat"));
        expect(await stillBeating(path.join(dirs.tree, "heartbeat"))).toBe(true);
        worker.kill("SIGKILL");

        await waitFor(() => worker.exitCode !== null || worker.signalCode !== null);
        await delay(200);
        expect(await stillBeating(path.join(dirs.tree, "heartbeat"))).toBe(false);
        expect(await kit.survivors()).toEqual([]);
      } finally {
        worker.kill("SIGKILL");
      }
    });

    it("refuses to start when the signal is already aborted", async () => {
      const dirs = await kit.dirs();
      const reason = new Error("already stopped");

      await expect(kit.run(dirs, "touch ran.txt", { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
      expect(await readdir(dirs.tree)).not.toContain("ran.txt");
    });
  });

  describe("exit status", () => {
    it("reports the command's exit code", async () => {
      const dirs = await kit.dirs();
      expect((await kit.run(dirs, "exit 7")).exit).toEqual({ code: 7, signal: null });
    });

    it("reports the signal that killed the command", async () => {
      const dirs = await kit.dirs();
      expect((await kit.run(dirs, "kill -KILL $$")).exit).toEqual({ code: null, signal: "SIGKILL" });
      expect((await kit.run(dirs, "kill -TERM $$")).exit).toEqual({ code: null, signal: "SIGTERM" });
    });

    it("passes stdout and stderr on in the order they were written", async () => {
      const dirs = await kit.dirs();
      const { output } = await kit.run(dirs, "echo one; sleep 0.05; echo two >&2; sleep 0.05; echo three");

      expect(output).toBe("one\ntwo\nthree\n");
    });
  });

  describe("the sandbox's own failure at task time", () => {
    it("rejects with an error naming AGENT_SANDBOX and bwrap's reason when a path it must show has gone", async () => {
      const dirs = await kit.dirs();
      const gone = path.join(dirs.base, "deleted-instruction.md");

      const run = kit.run(dirs, "touch ran.txt", { readOnlyFiles: [{ hostPath: gone, sandboxPath: "/run/agent/instruction.md" }] });

      await expect(run).rejects.toBeInstanceOf(SandboxSetupError);
      await expect(run).rejects.toThrow(/AGENT_SANDBOX=bubblewrap failed before the change command ran: bwrap: .*deleted-instruction\.md/);
      await expect(run).rejects.toMatchObject({ exit: { code: 1, signal: null } });
      expect(await readdir(dirs.tree)).not.toContain("ran.txt");
    });

    it("reports a program bwrap cannot execute as its failure to start it, with bwrap's execvp message", async () => {
      const dirs = await kit.dirs();

      const run = kit.run(dirs, "true", { argv: [`/nonexistent/agent-${randomUUID()}`] });

      await expect(run).rejects.toMatchObject({ said: expect.stringMatching(/^bwrap: execvp \/nonexistent\/agent-.*: No such file or directory$/) });
    });

    it("counts a command that prints bwrap's words and exits 1 as the command's own failure, not the sandbox's", async () => {
      const dirs = await kit.dirs();

      const { exit, output } = await kit.run(dirs, "echo \"bwrap: Can't find source path /x: No such file or directory\" >&2; exit 1");

      expect(exit).toEqual({ code: 1, signal: null });
      expect(output).toContain("bwrap: Can't find source path");
    });
  });

  describe("probe", () => {
    it("succeeds where bwrap and user namespaces work, as they do here", async () => {
      await expect(new BubblewrapSandbox().probe()).resolves.toBeUndefined();
    });

    it("names AGENT_SANDBOX and says to install bubblewrap when bwrap is missing", async () => {
      const bogus = path.join(os.tmpdir(), `no-such-bwrap-${randomUUID()}`);
      const probe = new BubblewrapSandbox({ bwrapPath: bogus }).probe();

      await expect(probe).rejects.toBeInstanceOf(SandboxUnavailableError);
      await expect(probe).rejects.toThrow(/AGENT_SANDBOX=none/);
      await expect(probe).rejects.toMatchObject({ cause: expect.stringContaining("install bubblewrap") });
    });

    it("says the same when no bwrap is on the worker's PATH", async () => {
      const probe = new BubblewrapSandbox({ bwrapPath: `no-such-bwrap-${randomUUID()}` }).probe();

      await expect(probe).rejects.toMatchObject({ cause: expect.stringContaining("was not found: install bubblewrap") });
    });

    it("reports what bwrap said when it cannot set the sandbox up", async () => {
      // A "bwrap" that fails like a real one whose user namespaces are refused.
      const dir = await kit.tempDir("agent-sandbox-fake-bwrap-");
      const fake = path.join(dir, "bwrap");
      await writeFile(fake, "#!/bin/sh\necho 'bwrap: Creating new namespace failed: Operation not permitted' >&2\nexit 1\n", { mode: 0o755 });
      const probe = new BubblewrapSandbox({ bwrapPath: fake }).probe();

      await expect(probe).rejects.toMatchObject({ cause: expect.stringContaining("user namespaces are refused") });
    });
  });
});

/** Starts bwrap from a spec made by the test, then just stays alive until it is killed. */
const STAND_IN_WORKER = `
const { spawn } = require("node:child_process");
const [bwrap, options, command, ...data] = JSON.parse(process.env.SPEC);
const child = spawn(bwrap, ["--args", "3", "--", ...command], { env: {}, stdio: ["ignore", "ignore", "ignore", "pipe", "pipe", "pipe", "pipe"] });
child.stdio[3].end(options.map((option) => option + "\\0").join(""));
data.forEach((text, i) => child.stdio[4 + i].end(text));
setInterval(() => undefined, 1000);
`;

async function withServer(body: (port: number, connections: () => number) => Promise<void>): Promise<void> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    count++;
    sockets.add(socket);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    await body((server.address() as net.AddressInfo).port, () => count);
  } finally {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline && !condition(); ) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(condition()).toBe(true);
}
