import { judge, shortfallPercent, type Figure, type ScenarioResult } from "../figure.js";
import { describeMachine, type MachineInfo } from "../machine-info.js";

export interface RunReport {
  readonly startedAt: string;
  readonly mode: "quick" | "full";
  readonly machine: MachineInfo;
  readonly scenarios: readonly ScenarioResult[];
  readonly seconds: number;
}

const OPS: Record<string, string> = { "<=": "≤", ">=": "≥", "==": "=" };

/** Three significant-ish digits: enough to compare, not so many that noise looks like signal. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return value.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function formatValue(value: number | null, unit: string): string {
  if (value === null) return "—";
  const n = formatNumber(value);
  if (unit === "×") return `${n}×`;
  if (unit === "%") return `${n} %`;
  return unit === "" ? n : `${n} ${unit}`;
}

function verdictCell(figure: Figure): string {
  const verdict = judge(figure);
  if (verdict === "met") return "✅ met";
  if (verdict === "n/a") return "—";
  const off = shortfallPercent(figure);
  return off === undefined ? "❌ missed" : `❌ missed (${off > 0 ? "+" : ""}${formatNumber(off)} %)`;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

/** The results table: one row per figure, in scenario order. */
export function renderTable(scenarios: readonly ScenarioResult[]): string {
  const rows = ["| Figure | Ours | Reference runner | Target | Met? |", "| --- | ---: | ---: | --- | --- |"];
  for (const scenario of scenarios) {
    if (scenario.error !== undefined) {
      rows.push(`| ${cell(scenario.name)} | failed to run | | | ❌ |`);
      continue;
    }
    for (const f of scenario.figures) {
      const target = f.target === undefined ? "" : `${OPS[f.target.op]} ${formatValue(f.target.value, f.unit)}`;
      rows.push(`| ${cell(f.label)} | ${cell(formatValue(f.value, f.unit))} | ${cell(f.baseline ?? "")} | ${cell(target)} | ${verdictCell(f)} |`);
    }
  }
  return rows.join("\n");
}

/** The notes under the table: every figure's note, and every scenario's failure. */
function renderNotes(scenarios: readonly ScenarioResult[]): string {
  const notes: string[] = [];
  for (const s of scenarios) {
    if (s.error !== undefined) notes.push(`- **${s.name}** failed: ${s.error.split("\n")[0] ?? ""}`);
    for (const f of s.figures) if (f.note !== undefined) notes.push(`- **${f.label}**: ${f.note}`);
  }
  return notes.join("\n");
}

export function renderReport(report: RunReport): string {
  const notes = renderNotes(report.scenarios);
  return [
    `### Benchmark (${report.mode}) — ${report.startedAt}`,
    "",
    `Machine: ${describeMachine(report.machine)}. Run took ${Math.round(report.seconds)} s.`,
    "",
    renderTable(report.scenarios),
    ...(notes === "" ? [] : ["", notes]),
    "",
  ].join("\n");
}
