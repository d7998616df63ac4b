import { describe, expect, it } from "vitest";
import { etagMatches, weakEtag } from "./etag.js";

describe("ETags", () => {
  it("are weak and change with the body", () => {
    expect(weakEtag("[]")).toMatch(/^W\/"[0-9a-f]{64}"$/);
    expect(weakEtag("[1]")).not.toBe(weakEtag("[2]"));
  });

  it("differ between credentials for the same body, as GitHub's vary with Authorization", () => {
    expect(weakEtag("[]", "ghs_first")).not.toBe(weakEtag("[]", "ghs_second"));
    expect(weakEtag("[]", "ghs_first")).toBe(weakEtag("[]", "ghs_first"));
  });

  it("match weakly, in lists, and with *", () => {
    const tag = weakEtag("[]");
    expect(etagMatches(tag, tag)).toBe(true);
    expect(etagMatches(tag.slice(2), tag)).toBe(true);
    expect(etagMatches(`W/"other", ${tag}`, tag)).toBe(true);
    expect(etagMatches("*", tag)).toBe(true);
    expect(etagMatches('W/"other"', tag)).toBe(false);
    expect(etagMatches(undefined, tag)).toBe(false);
  });
});
