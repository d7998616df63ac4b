import type { SandboxUrls } from "../sandbox-urls.js";
import type { SandboxState } from "../state/sandbox-state.js";

/** What every serializer needs: where things are served and who is who. */
export interface JsonContext {
  urls: SandboxUrls;
  state: SandboxState;
}
