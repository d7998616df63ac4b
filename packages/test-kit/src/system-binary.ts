import { accessSync, constants } from "node:fs";

/**
 * The path of a system binary the tests drive, or an error that says how to
 * install it: these tests must fail loudly in CI, never skip.
 */
export function requireBinary(file: string, debianPackage: string): string {
  try {
    accessSync(file, constants.X_OK);
    return file;
  } catch {
    throw new Error(
      `${file} is missing: install the Debian package "${debianPackage}" (apt-get install -y --no-install-recommends ${debianPackage}, or bash scripts/setup.sh --for-tests)`,
    );
  }
}
