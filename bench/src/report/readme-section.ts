export const SECTION_START = "<!-- bench:results:start -->";
export const SECTION_END = "<!-- bench:results:end -->";

/**
 * Replaces what lies between the two markers with `content`; undefined when
 * the document has no (well-ordered) markers, so a README without them is never touched.
 */
export function replaceSection(document: string, content: string): string | undefined {
  const start = document.indexOf(SECTION_START);
  const end = document.indexOf(SECTION_END);
  if (start === -1 || end === -1 || end < start) return undefined;
  const before = document.slice(0, start + SECTION_START.length);
  const after = document.slice(end);
  return `${before}\n${content.trim()}\n${after}`;
}
