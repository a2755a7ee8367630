/**
 * `deno task chart`: draws docs/scaling.svg from bench/results.json: median
 * wall time against rows per file, log-log, one line per charted variant
 * (the export shape's dashed, in its plain twin's colour), with the crossover
 * of parallel and linear marked. The skip-mode and full-table PostgreSQL
 * variants are left to findings.txt, where their ratios are.
 *
 * @module
 */
import type { BenchResults } from "./results.ts";
import { sizeLabel } from "./datasets.ts";
import { roundCrossover } from "./stats.ts";

const WIDTH = 760;
const HEIGHT = 480;
const MARGIN = { left: 86, right: 150, top: 50, bottom: 60 };
/** The charted variants, in legend order, and their colours. */
const COLORS: Record<string, string> = {
  floor: "#bcbd22",
  baseline: "#d62728",
  linear: "#1f77b4",
  linear_export: "#1f77b4",
  parallel: "#2ca02c",
  parallel_export: "#2ca02c",
  sqlite3: "#7f7f7f",
  sqlite3_export: "#7f7f7f",
  linear_pg: "#9467bd",
  parallel_pg: "#8c564b",
};

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Powers of ten from `low` to `high` inclusive, as tick values. */
function decades(low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(low)); e <= Math.ceil(Math.log10(high)); e++) {
    ticks.push(10 ** e);
  }
  return ticks;
}

function secondsLabel(seconds: number): string {
  return seconds >= 1 ? `${seconds} s` : `${Math.round(seconds * 1000)} ms`;
}

/** The SVG text of the scaling chart for `results`. */
export function scalingChart(results: BenchResults): string {
  const measured = new Set(results.summary.map((s) => s.variant));
  const variants = Object.keys(COLORS).filter((variant) => measured.has(variant));
  const xs = results.sizes;
  const ys = results.summary.filter((s) => variants.includes(s.variant)).map((s) =>
    s.medianSeconds
  );
  const xTicks = decades(Math.min(...xs), Math.max(...xs));
  const yTicks = decades(Math.min(...ys), Math.max(...ys));
  // A single size or time still gets a decade of axis, not a zero-width one.
  const [x0, x1] = [
    Math.log10(xTicks[0]),
    Math.max(Math.log10(xTicks.at(-1)!), Math.log10(xTicks[0]) + 1),
  ];
  const [y0, y1] = [
    Math.log10(yTicks[0]),
    Math.max(Math.log10(yTicks.at(-1)!), Math.log10(yTicks[0]) + 1),
  ];
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (v: number) => MARGIN.left + ((Math.log10(v) - x0) / (x1 - x0)) * plotW;
  const y = (v: number) => MARGIN.top + plotH - ((Math.log10(v) - y0) / (y1 - y0)) * plotH;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${
      WIDTH / 2 - 60
    }" y="24" text-anchor="middle" font-size="15" font-weight="bold">Import time against rows per file (log-log)</text>`,
    `<text x="${
      WIDTH / 2 - 60
    }" y="40" text-anchor="middle" fill="#555">median whole-process wall time, customers + products, ${
      escape(String(results.machine.cores))
    } cores, Deno ${escape(String(results.machine.deno))}</text>`,
  ];
  for (const t of xTicks) {
    parts.push(
      `<line x1="${x(t)}" y1="${MARGIN.top}" x2="${x(t)}" y2="${
        MARGIN.top + plotH
      }" stroke="#e5e5e5"/>`,
      `<text x="${x(t)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${
        sizeLabel(t)
      }</text>`,
    );
  }
  for (const t of yTicks) {
    parts.push(
      `<line x1="${MARGIN.left}" y1="${y(t)}" x2="${MARGIN.left + plotW}" y2="${
        y(t)
      }" stroke="#e5e5e5"/>`,
      `<text x="${MARGIN.left - 8}" y="${y(t) + 4}" text-anchor="end">${secondsLabel(t)}</text>`,
    );
  }
  parts.push(
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${
      HEIGHT - 18
    }" text-anchor="middle">rows per file</text>`,
    `<text transform="translate(16 ${
      MARGIN.top + plotH / 2
    }) rotate(-90)" text-anchor="middle">seconds</text>`,
  );
  if (results.crossoverRows !== null) {
    const cx = x(results.crossoverRows);
    parts.push(
      `<line x1="${cx}" y1="${MARGIN.top}" x2="${cx}" y2="${
        MARGIN.top + plotH
      }" stroke="#2ca02c" stroke-dasharray="6 4"/>`,
      `<text x="${cx + 4}" y="${MARGIN.top + 14}" fill="#2ca02c">crossover ≈ ${
        roundCrossover(results.crossoverRows).toLocaleString("en-US")
      } rows</text>`,
      `<text x="${cx + 4}" y="${
        MARGIN.top + 28
      }" fill="#2ca02c">parallel faster to the right</text>`,
    );
  }
  variants.forEach((variant, i) => {
    const color = COLORS[variant];
    const dash = variant.endsWith("_export") ? ` stroke-dasharray="5 3"` : "";
    const points = results.summary.filter((s) => s.variant === variant)
      .sort((a, b) => a.rows - b.rows)
      .map((s) => [x(s.rows), y(s.medianSeconds)]);
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2"${dash} points="${
        points.map(([px, py]) => `${px.toFixed(1)},${py.toFixed(1)}`).join(" ")
      }"/>`,
      ...points.map(([px, py]) =>
        `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3.5" fill="${color}"/>`
      ),
    );
    const ly = MARGIN.top + 10 + i * 20;
    const lx = MARGIN.left + plotW + 16;
    parts.push(
      `<line x1="${lx}" y1="${ly}" x2="${
        lx + 22
      }" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 28}" y="${ly + 4}">${escape(variant)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n") + "\n";
}

if (import.meta.main) {
  const results = JSON.parse(await Deno.readTextFile("bench/results.json")) as BenchResults;
  await Deno.writeTextFile("docs/scaling.svg", scalingChart(results));
  console.log("docs/scaling.svg");
}
