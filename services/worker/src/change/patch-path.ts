import { ChangeFailedError } from "@agent-runner/core";

/**
 * Turns a path named by a patch into a safe repo-relative path, or refuses it.
 * A patch is untrusted input: it may not reach outside the working tree or into
 * the repository's own metadata, where a hook or config would run code later.
 */
export function checkPatchPath(raw: string, block: number): string {
  const refuse = (why: string): never => {
    throw new ChangeFailedError(
      `patch path ${JSON.stringify(raw)} refused: ${why}`,
      `the patch in diff block ${block} names the path \`${printable(raw)}\`, which is refused: ${why}`,
    );
  };
  if (raw.includes("\0")) refuse("it contains a NUL character");
  if (raw.startsWith("/")) refuse("it is absolute");
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.length === 0) refuse("it is empty");
  if (segments.includes("..")) refuse("it contains a `..` segment");
  if (segments.some((s) => s.toLowerCase() === ".git")) refuse("it is inside `.git`");
  return segments.join("/");
}

function printable(text: string): string {
  const clean = text.replace(/[\u0000-\u001f`]/g, "?");
  return clean.length > 200 ? `${clean.slice(0, 197)}...` : clean;
}
