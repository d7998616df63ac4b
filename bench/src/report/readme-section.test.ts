import { describe, expect, it } from "vitest";
import { replaceSection, SECTION_END, SECTION_START } from "./readme-section.js";

describe("replacing the README's results section", () => {
  it("replaces only what lies between the markers", () => {
    const doc = `# Title\n\n${SECTION_START}\nold table\n${SECTION_END}\n\nafter\n`;
    expect(replaceSection(doc, "new table\n")).toBe(`# Title\n\n${SECTION_START}\nnew table\n${SECTION_END}\n\nafter\n`);
  });

  it("leaves a document without markers, or with them out of order, alone", () => {
    expect(replaceSection("# no markers\n", "x")).toBeUndefined();
    expect(replaceSection(`${SECTION_END}\n${SECTION_START}\n`, "x")).toBeUndefined();
  });
});
