/**
 * `deno task bench`: this project against the seed's sequential strategy, under injected latency.
 *
 *   deno task bench [-- --rows 10000 --rpc-latency 50 --db-latency 5 --seed-rows 400
 *                      --batch-size 1000 --concurrency 1 --mix 45,45,10 --tron-max-rps 10
 *                      --scale-sizes 1000 --scale-100k --out bench/results.json]
 *
 * Scale curve: the --rows drain plus one drain per --scale-sizes entry (default 1,000), and
 * 100,000 with --scale-100k (long: the per-call TRON chain alone needs 1 s per 10 of its rows).
 *
 * One stack (stack/stack.ts): PostgreSQL with the real migrations, the PostgREST stand-in
 * (db latency per request), anvil with Multicall3, two TRON stand-ins on a second anvil, every
 * chain behind a counting proxy (rpc latency per HTTP request). See docs/benchmarks.md.
 */
import { repoRoot } from "../stack/bin.ts";
import { resetData } from "../stack/data.ts";
import { protectedSnapshot } from "../stack/protected_columns.ts";
import { type Stack, startStack } from "../stack/stack.ts";
import { type ColdStart, coldStart, type DriveResult, driveScheduledRuns } from "./project.ts";
import { runSeedProcess, type SeedResult } from "./seed_strategy.ts";
import {
  type BenchWorld,
  CHAIN_KEYS,
  type ChainKey,
  makeDue,
  resetRows,
  seedBenchWorld,
  TRON_MULTICALL_EVM,
  type Verification,
  verify,
} from "./world.ts";
import {
  applyBenchSettings,
  BENCH_USAGE,
  type BenchConfig,
  benchFunctionEnv,
  parseBenchArgs,
} from "./options.ts";
import { ensurePrerequisites } from "../stack/prerequisites.ts";
import { parseSoakArgs } from "./soak_options.ts";
import { parseClaimArgs } from "./claim_scale.ts";
import { buildResults, type ScalePoint } from "./report.ts";
import { printTable } from "./results_table.ts";
import { stopOnInterrupt } from "./interrupt.ts";

// `--soak` (bench/soak.ts) and `--claim-scale` (bench/claim_scale.ts) have their own options.
const soak = Deno.args.includes("--soak");
const claimScale = Deno.args.includes("--claim-scale");

function commandLine(): BenchConfig {
  try {
    // Checked before anything starts, so a bad flag is refused with the usage.
    if (soak && !Deno.args.some((a) => a === "--help" || a === "-h")) parseSoakArgs(Deno.args);
    if (claimScale && !Deno.args.some((a) => a === "--help" || a === "-h")) {
      parseClaimArgs(Deno.args);
    }
    const parsed = parseBenchArgs(
      soak || claimScale ? Deno.args.filter((a) => a === "--help" || a === "-h") : Deno.args,
    );
    if (parsed) return parsed;
    console.log(BENCH_USAGE);
    Deno.exit(0);
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    console.error(`deno task bench: ${error.message}

${BENCH_USAGE}`);
    Deno.exit(2);
  }
}

const config = commandLine();
await ensurePrerequisites();
const functionEnv = benchFunctionEnv(config.batchSize, config.logLevel);

const log = (message: string) => console.error(`[bench ${new Date().toISOString()}] ${message}`);

/** One row of each chain that has rows, for forced single-row runs. */
function onePerChain(world: BenchWorld): string[] {
  const picked = new Map<ChainKey, string>();
  for (const id of world.ids) {
    const chain = world.expected.get(id)!.chain;
    if (!picked.has(chain)) picked.set(chain, id);
  }
  return [...picked.values()];
}

async function seedWorld(stack: Stack, rows: number): Promise<BenchWorld> {
  const started = performance.now();
  const world = await seedBenchWorld(stack, {
    rows,
    mix: config.mix,
    rpcLatencyMs: config.rpcLatencyMs,
    tronMaxRps: config.tronMaxRps,
    tronMaxConcurrency: config.tronMaxConcurrency,
  });
  await applyBenchSettings(stack.sql);
  log(
    `seeded ${rows} rows (${CHAIN_KEYS.map((k) => `${k} ${world.chains[k].rows}`).join(", ")}) in ${
      ((performance.now() - started) / 1000).toFixed(1)
    } s`,
  );
  return world;
}

/**
 * A fresh function process drains every due row (the first drain: module loading, compiling the
 * hot code and checking each address for the first time are in it), then, the same rows made due
 * again with their balances unchanged, drains them once more in the same process (the warm drain:
 * what each tick of a reused isolate costs). The rows are checked one by one after each.
 */
async function runProject(stack: Stack, world: BenchWorld, ids?: string[], warmDrain = true) {
  const before = await protectedSnapshot(stack.sql);
  const fn = await stack.serveFunction({ env: functionEnv });
  const drive = () =>
    driveScheduledRuns(stack, fn, world, {
      concurrency: config.concurrency,
      timeoutMs: config.timeoutMs,
      onRun: (s) =>
        log(
          `  run: claimed ${s.claimed}, synced ${s.synced}, failed ${s.failed}, ` +
            `released ${s.released}, ${s.batches} batches, ${s.duration_ms} ms, ${s.stopped}`,
        ),
    });
  let first: DriveResult;
  let warm: DriveResult;
  let firstCheck: Verification;
  try {
    first = await drive();
    firstCheck = await verify(stack.sql, world, ids);
    if (warmDrain) {
      await makeDue(stack.sql, ids ?? world.ids);
      log("  warm drain: the same rows again, in the same process");
      warm = await drive();
    } else {
      warm = first;
    }
  } finally {
    await fn.stop();
  }
  const check = await verify(stack.sql, world, ids);
  const after = await protectedSnapshot(stack.sql);
  const protectedChanged = [...before].filter(([id, v]) => after.get(id) !== v).length;
  return {
    drive: first,
    check: firstCheck,
    warm: { drive: warm, check },
    protectedChanged,
    listeningMs: fn.startupMs,
  };
}

async function main() {
  log(`config ${JSON.stringify(config)}`);
  const stack = await startStack({
    function: false,
    postgrestLatencyMs: config.dbLatencyMs,
    tronMulticallEvmAddress: TRON_MULTICALL_EVM,
  });
  // A drain reads every row once: record dates a row's next sync by the database's interval,
  // which must match the function's (benchFunctionEnv), or rows come due again within the drain
  // and it never ends.
  await stack.sql`
    insert into balance_sync.settings (key, value) values ('min_interval_seconds', '86400')
    on conflict (key) do update set value = excluded.value`;
  const worlds: BenchWorld[] = [];
  // Ctrl-C or a timeout's SIGTERM must not leave PostgreSQL, anvil or a function behind.
  const teardown = async () => {
    for (const w of worlds.splice(0)) await w.stop();
    await stack.stop();
  };
  const removeInterrupt = stopOnInterrupt(log, teardown);
  try {
    await stack.sql.unsafe(await Deno.readTextFile(`${repoRoot}/bench/seed_strategy.sql`));
    const world = await seedWorld(stack, config.rows);
    worlds.push(world);
    const probe = onePerChain(world);

    // Fills Deno's module cache (a clean clone downloads npm packages here); not measured.
    log("warm-up process");
    await coldStart(stack, functionEnv, probe);
    await resetRows(stack.sql, probe);

    const colds: ColdStart[] = [];
    for (let i = 0; i < config.coldRuns; i++) {
      colds.push(await coldStart(stack, functionEnv, probe));
      await resetRows(stack.sql, probe);
    }
    log(`cold start: ${colds.map((c) => c.firstResponseMs.toFixed(0)).join(", ")} ms`);

    log(
      `project: draining ${config.rows} rows (batch ${config.batchSize}, ` +
        `concurrency ${config.concurrency})`,
    );
    const project = await runProject(stack, world);
    log(
      `project: ${(project.drive.wallMs / 1000).toFixed(1)} s, ${project.drive.runs} runs, ` +
        `${project.drive.batches} batches, synced ${project.drive.synced}, ` +
        `wrong ${project.check.wrongRaw + project.check.wrongHuman}`,
    );

    // The same drain over the chains that have multicall only (the rate-limited per-call chain
    // already synced and not due): what batching buys where it applies.
    let multicallChains: Awaited<ReturnType<typeof runProject>> | null = null;
    const multicallIds = world.ids.filter((id) => world.expected.get(id)!.chain !== "tron_plain");
    if (world.chains.tron_plain.rows > 0 && multicallIds.length > 0) {
      await resetRows(stack.sql, multicallIds);
      log(`project, chains with multicall only: draining ${multicallIds.length} rows`);
      multicallChains = await runProject(stack, world, multicallIds);
      log(
        `project, chains with multicall only: ${
          (multicallChains.drive.wallMs / 1000).toFixed(1)
        } s, synced ${multicallChains.drive.synced}, wrong ${
          multicallChains.check.wrongRaw + multicallChains.check.wrongHuman
        }`,
      );
    }

    const sample = world.ids.slice(0, Math.min(config.seedRows, world.ids.length));
    await resetRows(stack.sql, sample);
    for (const key of CHAIN_KEYS) world.chains[key].proxy.resetCounts();
    const dbBefore = stack.postgrest.requests;
    log(`seed strategy: ${sample.length} rows`);
    const seed: SeedResult = await runSeedProcess({
      supabaseUrl: stack.postgrest.url,
      serviceRoleKey: stack.keys.serviceRoleKey,
      rows: sample.length,
    });
    const seedDbRequests = stack.postgrest.requests - dbBefore;
    const seedRequests = Object.fromEntries(
      CHAIN_KEYS.map((k) => [k, world.chains[k].proxy.requests]),
    ) as Record<ChainKey, number>;
    const seedCheck: Verification = await verify(stack.sql, world, sample);
    log(
      `seed strategy: ${(seed.wallMs / 1000).toFixed(1)} s, synced ${seed.synced}, ` +
        `wrong ${seedCheck.wrongRaw + seedCheck.wrongHuman}`,
    );

    const scale: ScalePoint[] = [{ rows: config.rows, drive: project.drive, check: project.check }];
    for (const size of config.scaleSizes.filter((n) => n !== config.rows)) {
      for (const w of worlds.splice(0)) await w.stop();
      await resetData(stack.sql);
      const sized = await seedWorld(stack, size);
      worlds.push(sized);
      log(`scale: draining ${size} rows`);
      const run = await runProject(stack, sized, undefined, false);
      scale.push({ rows: size, drive: run.drive, check: run.check });
      log(`scale ${size}: ${(run.drive.wallMs / 1000).toFixed(1)} s`);
    }

    const results = await buildResults({
      config,
      world,
      project,
      multicallChains,
      colds,
      seed,
      seedRows: sample.length,
      seedDbRequests,
      seedRequests,
      seedCheck,
      scale: scale.sort((a, b) => a.rows - b.rows),
    });
    printTable(results);
    await Deno.writeTextFile(config.out, JSON.stringify(results, null, 2) + "\n");
    log(`wrote ${config.out}`);
  } finally {
    removeInterrupt();
    await teardown();
  }
}

if (import.meta.main) {
  if (soak) await import("./soak.ts").then((m) => m.runSoak(Deno.args));
  else if (claimScale) await import("./claim_scale.ts").then((m) => m.runClaimScale(Deno.args));
  else await main();
}
