/**
 * Where the function's CPU goes: the benchmark's world and drive, with the function served under
 * `deno run --cpu-prof`; prints self time by module and by function.
 *
 *   deno run -A bench/profile.ts [--rows 4000 --mix 45,45,10 --batch-size 1000 --log-level info
 *                                 --prof-dir /tmp/balance-sync-prof --repeat 0 --no-profile
 *                                 --bundle]
 *
 * --repeat N drains the same table N more times (every row made due again, balances unchanged, as
 * on the next tick) and profiles the last drain only: the first drain pays for loading the
 * readers and for the first sight of every address, which production pays once per isolate, so
 * the steady-state cost per balance is the last drain's. --no-profile serves the function without
 * the profiler (whose sampling costs CPU too), for the CPU figures alone. --bundle serves the
 * deployed dist/index.js instead of the source: one module to load instead of hundreds (viem's
 * among them), as the Edge Runtime loads it, so a first drain's figure is the deployed one.
 */
import { parseArgs } from "node:util";
import { repoRoot } from "../stack/bin.ts";
import { callFunction, FUNCTION_DIR, startStack, SYNC_SECRET_HEADER } from "../stack/stack.ts";
import { applyBenchSettings, BENCH_USAGE, benchFunctionEnv, parseBenchArgs } from "./options.ts";
import { driveScheduledRuns } from "./project.ts";
import { CHAIN_KEYS, seedBenchWorld, TRON_MULTICALL_EVM, verify } from "./world.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/**
 * Self time (ms) by module and by function, largest first; with `lastMs`, only the samples of the
 * profile's last `lastMs` milliseconds.
 */
export function summarize(profile: CpuProfile, lastMs?: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  // Sample times are the running sum of timeDeltas from startTime (microseconds, V8's clock).
  const from = lastMs === undefined ? -Infinity : profile.endTime - lastMs * 1000;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at < from) return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const shortUrl = (url: string) =>
    url
      .replace(/^file:\/\/.*\/node_modules\/\.deno\//, "npm:")
      .replace(/^file:\/\/.*\/registry\.npmjs\.org\//, "npm:")
      .replace(`file://${repoRoot}/`, "") || "(native)";
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const module = shortUrl(node.callFrame.url);
    const name = `${node.callFrame.functionName || "(anonymous)"} ${module}:${
      node.callFrame.lineNumber + 1
    }`;
    byModule.set(module, (byModule.get(module) ?? 0) + ms);
    byFunction.set(name, (byFunction.get(name) ?? 0) + ms);
    total += ms;
  }
  const top = (map: Map<string, number>, n: number) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
  return { totalMs: total, modules: top(byModule, 25), functions: top(byFunction, 40) };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "prof-dir": { type: "string", default: "/tmp/balance-sync-prof" },
      repeat: { type: "string", default: "0" },
      "no-profile": { type: "boolean", default: false },
      bundle: { type: "boolean", default: false },
    },
    strict: false,
  });
  const profDir = String(values["prof-dir"]);
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 0) {
    throw new Error(`--repeat must be a whole number >= 0, got ${values.repeat}`);
  }
  const profiled = !values["no-profile"];
  const own = new Set(["--prof-dir", "--repeat"]);
  const config = parseBenchArgs(
    Deno.args.filter((a, i, all) =>
      !own.has(a) && !own.has(all[i - 1]) && !["--no-profile", "--bundle"].includes(a)
    ),
  );
  if (!config) {
    console.log(
      `deno run -A bench/profile.ts [--prof-dir DIR] [--repeat N] [--no-profile] [--bundle] [bench options]\n\n${BENCH_USAGE}`,
    );
    Deno.exit(0);
  }
  await Deno.remove(profDir, { recursive: true }).catch(() => {});
  const stack = await startStack({
    function: false,
    postgrestLatencyMs: config.dbLatencyMs,
    tronMulticallEvmAddress: TRON_MULTICALL_EVM,
  });
  let child: Deno.ChildProcess | undefined;
  const world = await seedBenchWorld(stack, {
    rows: config.rows,
    mix: config.mix,
    rpcLatencyMs: config.rpcLatencyMs,
    tronMaxRps: config.tronMaxRps,
    tronMaxConcurrency: config.tronMaxConcurrency,
  }).catch(async (error) => {
    await stack.stop();
    throw error;
  });
  try {
    await applyBenchSettings(stack.sql);
    const inherited: Record<string, string> = {};
    for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
      const value = Deno.env.get(name);
      if (value !== undefined) inherited[name] = value;
    }
    child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        ...(profiled ? ["--cpu-prof", `--cpu-prof-dir=${profDir}`] : []),
        "--config",
        `${FUNCTION_DIR}/deno.json`,
        `${repoRoot}/bench/profile_entry.ts`,
        values.bundle ? "bundle" : "source",
      ],
      clearEnv: true,
      env: {
        ...inherited,
        NO_COLOR: "1",
        ...stack.functionEnv,
        ...benchFunctionEnv(config.batchSize, config.logLevel),
        BALANCE_SYNC_PORT: "0",
      },
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const port = await (async () => {
      const decoder = new TextDecoder();
      let buffer = "";
      for await (const chunk of child.stdout) {
        buffer += decoder.decode(chunk, { stream: true });
        const match = buffer.match(/"msg":"Listening".*?"port":(\d+)/);
        if (match) {
          // Keep draining the log so that the function never blocks on a full pipe.
          (async () => {
            for await (const _ of child.stdout) { /* discard */ }
          })().catch(() => {});
          return Number(match[1]);
        }
      }
      throw new Error("function exited before listening");
    })();
    const url = `http://127.0.0.1:${port}/functions/v1/balance-sync`;
    let lastDrainStarted = 0;
    for (let drain = 0; drain <= repeat; drain++) {
      if (drain > 0) {
        // Due again as on the next tick: balances and blocks stay, so record finds them unchanged.
        await stack.sql`update public.wallet_balances set next_sync_at = now() - interval '1 hour'`;
      }
      lastDrainStarted = performance.now();
      const drive = await driveScheduledRuns(
        stack,
        {
          pid: child.pid,
          call: (body) => callFunction(url, body, { [SYNC_SECRET_HEADER]: stack.keys.syncSecret }),
        },
        world,
        { concurrency: config.concurrency, timeoutMs: config.timeoutMs },
      );
      const check = await verify(stack.sql, world);
      console.log(
        `drain ${drain + 1}: drained ${drive.synced} rows in ${
          (drive.wallMs / 1000).toFixed(1)
        } s; function CPU ${drive.cpuMs.toFixed(0)} ms (${
          ((drive.cpuMs / drive.synced) * 1000).toFixed(0)
        } ms per 1,000); requests ${
          CHAIN_KEYS.map((k) => `${k} ${drive.chains[k].requests}`).join(", ")
        }; wrong balances ${check.wrongRaw + check.wrongHuman}, never synced ${check.neverSynced}`,
      );
      if (check.wrongRaw + check.wrongHuman > 0) console.log(check.examples.join("\n"));
    }
    // The profile ends when the process exits, just after this: its last lastMs are the last drain.
    const lastMs = repeat > 0 ? performance.now() - lastDrainStarted : undefined;
    child.kill("SIGTERM");
    await child.status;
    child = undefined;
    if (profiled) {
      const [file] = [...Deno.readDirSync(profDir)].filter((f) => f.name.endsWith(".cpuprofile"));
      const profile = JSON.parse(await Deno.readTextFile(`${profDir}/${file.name}`)) as CpuProfile;
      const summary = summarize(profile, lastMs);
      console.log(
        `profile ${profDir}/${file.name}: ${summary.totalMs.toFixed(0)} ms sampled${
          lastMs === undefined ? "" : " (last drain only)"
        }`,
      );
      console.log("\nself time by module (ms):");
      for (const [name, ms] of summary.modules) {
        console.log(`${ms.toFixed(0).padStart(8)}  ${name}`);
      }
      console.log("\nself time by function (ms):");
      for (const [name, ms] of summary.functions) {
        console.log(`${ms.toFixed(0).padStart(8)}  ${name}`);
      }
    }
  } finally {
    if (child) {
      try {
        child.kill("SIGKILL");
      } catch { /* gone */ }
      await child.status;
    }
    await world.stop();
    await stack.stop();
  }
}
