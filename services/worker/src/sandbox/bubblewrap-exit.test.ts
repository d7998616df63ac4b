import { describe, expect, it } from "vitest";
import { bubblewrapExit } from "./bubblewrap-exit.js";

describe("bubblewrapExit", () => {
  it("passes ordinary exit codes through", () => {
    expect(bubblewrapExit(0, null)).toEqual({ code: 0, signal: null });
    expect(bubblewrapExit(7, null)).toEqual({ code: 7, signal: null });
    expect(bubblewrapExit(128, null)).toEqual({ code: 128, signal: null });
  });

  it("turns bwrap's 128 + n back into the signal n that killed the command", () => {
    expect(bubblewrapExit(137, null)).toEqual({ code: null, signal: "SIGKILL" });
    expect(bubblewrapExit(143, null)).toEqual({ code: null, signal: "SIGTERM" });
  });

  it("keeps codes above 128 that name no signal, and reports bwrap itself being killed", () => {
    expect(bubblewrapExit(255, null)).toEqual({ code: 255, signal: null });
    expect(bubblewrapExit(null, "SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });
  });
});
