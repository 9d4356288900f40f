/**
 * `deno task bench:cold-start`: how long a fresh process of the function takes until it answers
 * its first request, for three shapes of the same function:
 *
 * - `before`: the function folder at --baseline-rev (supabase-js, viem from its root), from source;
 * - `source`: the function folder now (postgrest-js, viem subpaths), from source;
 * - `bundle`: `deno task bundle`'s dist/index.js, the file that is deployed.
 *
 *   deno task bench:cold-start [-- --rounds 7 --baseline-rev <git rev> --out bench/cold_start.json]
 *
 * Each round starts one process per shape, in turn, with npm packages already in Deno's cache
 * (as the Edge Runtime has them in the eszip): the time is module loading and evaluation, up to
 * the "Listening" line, then the first answer (GET /metrics without credentials: 401, no
 * database needed). Deno here, not the Edge Runtime: the figures compare the shapes, they are not
 * the platform's cold start.
 */
import { parseArgs } from "node:util";
import { repoRoot } from "../stack/bin.ts";
import { bundleFunction, FUNCTION_SOURCE_DIR } from "../stack/bundle.ts";

/** The last commit whose function used supabase-js and imported viem from its root. */
const DEFAULT_BASELINE_REV = "d2e3351";

const { values: flags } = parseArgs({
  args: Deno.args.filter((a) => a !== "--"),
  options: {
    rounds: { type: "string", default: "7" },
    "baseline-rev": { type: "string", default: DEFAULT_BASELINE_REV },
    out: { type: "string", default: `${repoRoot}/bench/cold_start.json` },
  },
});
const rounds = Number(flags.rounds);
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error("--rounds must be a whole number >= 1");
}

interface Shape {
  name: string;
  file: string;
  config: string;
}

/** The function folder at `rev`, extracted with git into `dir`. */
async function checkoutFunction(rev: string, dir: string): Promise<string> {
  const archive = await new Deno.Command("git", {
    args: ["archive", "--format=tar", rev, "supabase/functions/balance-sync"],
    cwd: repoRoot,
    stdout: "piped",
  }).output();
  if (!archive.success) throw new Error(`git archive ${rev} failed`);
  const tar = new Deno.Command("tar", { args: ["-x", "-C", dir], stdin: "piped" }).spawn();
  const writer = tar.stdin.getWriter();
  await writer.write(archive.stdout);
  await writer.close();
  if (!(await tar.status).success) throw new Error("tar failed");
  return `${dir}/supabase/functions/balance-sync`;
}

async function coldStart(shape: Shape): Promise<{ listeningMs: number; firstAnswerMs: number }> {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", shape.config, shape.file],
    cwd: shape.file.slice(0, shape.file.lastIndexOf("/")),
    // The machine's environment (registry and certificate settings for the first, uncached start),
    // with the function's own variables set here.
    env: {
      NO_COLOR: "1",
      BALANCE_SYNC_PORT: "0",
      SUPABASE_URL: "http://127.0.0.1:9",
      SUPABASE_SERVICE_ROLE_KEY: "cold-start-bench-not-a-key",
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: "sb_secret_cold_start_bench" }),
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let errors = "";
  child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (errors += chunk) }),
  ).catch(() => {});
  try {
    let text = "";
    let port: number | null = null;
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    while (port === null) {
      const { value, done } = await reader.read();
      if (done) {
        await child.status;
        throw new Error(`${shape.name}: exited before listening:\n${text}${errors}`);
      }
      text += value;
      const match = text.match(/"msg":"Listening".*?"port":(\d+)/);
      if (match) port = Number(match[1]);
    }
    const listeningMs = performance.now() - started;
    reader.releaseLock();
    child.stdout.cancel().catch(() => {});
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    await response.body?.cancel();
    if (response.status !== 401) {
      throw new Error(`${shape.name}: /metrics answered ${response.status}`);
    }
    return { listeningMs, firstAnswerMs: performance.now() - started };
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already exited */ }
    await child.status;
  }
}

const median = (values: number[]) => {
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};

const tmp = await Deno.makeTempDir({ prefix: "balance-sync-cold-start-" });
try {
  const before = await checkoutFunction(flags["baseline-rev"]!, tmp);
  const bundle = await bundleFunction();
  const shapes: Shape[] = [
    { name: "before", file: `${before}/index.ts`, config: `${before}/deno.json` },
    {
      name: "source",
      file: `${FUNCTION_SOURCE_DIR}/index.ts`,
      config: `${FUNCTION_SOURCE_DIR}/deno.json`,
    },
    {
      name: "bundle",
      file: bundle,
      config: `${bundle.slice(0, bundle.lastIndexOf("/"))}/deno.json`,
    },
  ];
  // One unmeasured start each: npm packages into the cache, TypeScript into Deno's emit cache.
  for (const shape of shapes) await coldStart(shape);
  const samples = new Map(
    shapes.map((s) => [s.name, [] as { listeningMs: number; firstAnswerMs: number }[]]),
  );
  for (let round = 0; round < rounds; round++) {
    for (const shape of shapes) samples.get(shape.name)!.push(await coldStart(shape));
  }
  const results = shapes.map((shape) => {
    const list = samples.get(shape.name)!;
    return {
      shape: shape.name,
      rounds: list.length,
      listening_ms_median: Math.round(median(list.map((s) => s.listeningMs))),
      first_answer_ms_median: Math.round(median(list.map((s) => s.firstAnswerMs))),
      first_answer_ms_min: Math.round(Math.min(...list.map((s) => s.firstAnswerMs))),
      first_answer_ms_max: Math.round(Math.max(...list.map((s) => s.firstAnswerMs))),
    };
  });
  const report = {
    measured_at: new Date().toISOString(),
    deno: Deno.version.deno,
    baseline_rev: flags["baseline-rev"],
    results,
  };
  console.log("shape    listening (median)  first answer (median, min-max)");
  for (const r of results) {
    console.log(
      `${r.shape.padEnd(8)} ${`${r.listening_ms_median} ms`.padStart(18)}  ${
        `${r.first_answer_ms_median} ms`.padStart(12)
      } (${r.first_answer_ms_min}-${r.first_answer_ms_max} ms)`,
    );
  }
  await Deno.writeTextFile(flags.out!, JSON.stringify(report, null, 2) + "\n");
  console.log(`written to ${flags.out}`);
} finally {
  await Deno.remove(tmp, { recursive: true });
}
