/**
 * The soak's picture: staleness over time, one panel per chain, the soak and the slow-node soak
 * side by side (Vega-Lite compiled and rendered to SVG offline; PNG through resvg on request).
 */
import * as vega from "vega";
import * as vl from "vega-lite";
import type { SoakReport } from "./soak_report.ts";

const SLOW = "paced node 10x slower";
const TARGET = "target (p99)";
const SERIES = ["soak: p99", "soak: p50", `${SLOW}: p99`, `${SLOW}: p50`, TARGET];

interface Point {
  chain: string;
  t_s: number;
  staleness_s: number;
  series: string;
}

function points(report: SoakReport): Point[] {
  const out: Point[] = [];
  const runs = [["soak", report.raw.run], [SLOW, report.raw.slow_node_run]] as const;
  for (const [label, run] of runs) {
    if (!run) continue;
    for (const tick of run.staleness_samples) {
      for (const [chain, figures] of Object.entries(tick.chains)) {
        const f = figures as { p50_s: number | null; p99_s: number | null };
        if (f.p99_s !== null) {
          out.push({ chain, t_s: tick.t_s, staleness_s: f.p99_s, series: `${label}: p99` });
        }
        if (f.p50_s !== null) {
          out.push({ chain, t_s: tick.t_s, staleness_s: f.p50_s, series: `${label}: p50` });
        }
      }
    }
  }
  const end = report.minutes * 60;
  for (const [chain, f] of Object.entries(report.chains)) {
    const bound = f.mode === "multicall"
      ? 60
      : f.max_rps !== null && f.requests_per_balance !== null
      ? 1.25 * (f.rows * f.requests_per_balance / f.max_rps) + 30
      : null;
    if (bound === null) continue;
    const from = report.raw.conditions.staleness_target_from_s;
    for (const t_s of [from, end]) out.push({ chain, t_s, staleness_s: bound, series: TARGET });
  }
  return out;
}

export function chartSpec(report: SoakReport): vl.TopLevelSpec {
  const title = `Staleness of last_checked per chain: ${report.rows.toLocaleString("en")} rows, ` +
    `${report.minutes} min, one tick every ${report.raw.conditions.tick_s} s`;
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    data: { values: points(report) },
    facet: { row: { field: "chain", type: "nominal", title: null } },
    resolve: { scale: { y: "independent" } },
    spec: {
      width: 560,
      height: 160,
      mark: { type: "line" },
      encoding: {
        x: { field: "t_s", type: "quantitative", title: "seconds since the soak started" },
        y: { field: "staleness_s", type: "quantitative", title: "staleness (s)" },
        color: {
          field: "series",
          type: "nominal",
          title: null,
          legend: { labelLimit: 320 },
          scale: { domain: SERIES, range: ["#1f77b4", "#9ecae1", "#d62728", "#fcae91", "#555555"] },
        },
        strokeDash: {
          field: "series",
          type: "nominal",
          scale: { domain: SERIES, range: [[1, 0], [4, 3], [1, 0], [4, 3], [1, 3]] },
        },
      },
    },
  } as vl.TopLevelSpec;
}

export async function renderChart(report: SoakReport, svgPath: string, png: boolean) {
  const compiled = vl.compile(chartSpec(report)).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  await Deno.writeTextFile(svgPath, svg);
  if (png) {
    const { Resvg } = await import("@resvg/resvg-js");
    const image = new Resvg(svg, { fitTo: { mode: "zoom", value: 1.5 }, background: "white" })
      .render().asPng();
    await Deno.writeFile(svgPath.replace(/\.svg$/, "") + ".png", image);
  }
}
