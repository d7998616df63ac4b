import { describe, expect, it } from "vitest";
import { paginate } from "./pagination.js";

const items = Array.from({ length: 95 }, (_, index) => index + 1);
const self = "http://127.0.0.1:1/api/v3/repos/a/b/issues";

describe("paginate", () => {
  it("uses 30 per page by default and links next and last", () => {
    const page = paginate(items, new URLSearchParams("state=open"), self);
    expect(page.items).toEqual(items.slice(0, 30));
    expect(page.link).toBe(
      `<${self}?state=open&page=2>; rel="next", <${self}?state=open&page=4>; rel="last"`,
    );
  });

  it("links prev and first from a later page and omits next on the last", () => {
    const page = paginate(items, new URLSearchParams("per_page=50&page=2"), self);
    expect(page.items).toEqual(items.slice(50));
    expect(page.link).toBe(`<${self}?per_page=50&page=1>; rel="prev", <${self}?per_page=50&page=1>; rel="first"`);
  });

  it("caps per_page at 100 and sends no Link when everything fits", () => {
    const page = paginate(items, new URLSearchParams("per_page=500"), self);
    expect(page.items).toHaveLength(95);
    expect(page.link).toBeUndefined();
  });

  it("treats junk per_page and page as defaults", () => {
    expect(paginate(items, new URLSearchParams("per_page=abc&page=0"), self).items).toEqual(items.slice(0, 30));
  });

  it("answers an empty page past the end", () => {
    expect(paginate(items, new URLSearchParams("page=9"), self).items).toEqual([]);
  });
});
