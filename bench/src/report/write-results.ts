import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { judge } from "../figure.js";
import { renderReport, type RunReport } from "./markdown-report.js";
import { replaceSection } from "./readme-section.js";

export interface WrittenResults {
  readonly json: string;
  readonly markdown: string;
  readonly readmes: string[];
}

/** `2025-11-24T22-40-05Z`: an ISO timestamp that is also a portable file name. */
function fileStamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, "Z").replace(/:/g, "-");
}

/**
 * Writes `<stamp>[-quick].json` and `latest[-quick].md` into `outDir`, and for a
 * complete full run puts the table into every README that has the results markers.
 */
export async function writeResults(report: RunReport, outDir: string, readmes: readonly string[], complete: boolean): Promise<WrittenResults> {
  await mkdir(outDir, { recursive: true });
  const suffix = report.mode === "quick" ? "-quick" : "";
  const json = path.join(outDir, `${fileStamp(report.startedAt)}${suffix}.json`);
  const withVerdicts = {
    ...report,
    scenarios: report.scenarios.map((s) => ({ ...s, figures: s.figures.map((f) => ({ ...f, verdict: judge(f) })) })),
  };
  await writeFile(json, `${JSON.stringify(withVerdicts, null, 2)}\n`);
  const markdownText = renderReport(report);
  const markdown = path.join(outDir, `latest${suffix}.md`);
  await writeFile(markdown, markdownText);
  const updated: string[] = [];
  if (report.mode === "full" && complete) {
    for (const readme of readmes) {
      const text = await readFile(readme, "utf8").catch(() => undefined);
      const next = text === undefined ? undefined : replaceSection(text, markdownText);
      if (next === undefined || next === text) continue;
      await writeFile(readme, next);
      updated.push(readme);
    }
  }
  return { json, markdown, readmes: updated };
}
