/** Turns the measurements into bench/results.json and the side-by-side table. */
import { BENCH_SETTINGS, type BenchConfig, benchFunctionEnv } from "./options.ts";
import type { ColdStart, DriveResult } from "./project.ts";
import type { SeedResult } from "./seed_strategy.ts";
import { type BenchWorld, CHAIN_KEYS, type ChainKey, type Verification } from "./world.ts";

export interface ScalePoint {
  rows: number;
  drive: DriveResult;
  check: Verification;
}

export interface ResultsInput {
  config: BenchConfig;
  world: BenchWorld;
  project: {
    drive: DriveResult;
    check: Verification;
    /** The same rows drained again by the same process: a reused isolate's tick. */
    warm: { drive: DriveResult; check: Verification };
    protectedChanged: number;
    listeningMs: number;
  };
  /** The drain over the EVM and TRON multicall chains only (null without a per-call chain). */
  multicallChains:
    | {
      drive: DriveResult;
      check: Verification;
      warm: { drive: DriveResult; check: Verification };
    }
    | null;
  colds: ColdStart[];
  seed: SeedResult;
  seedRows: number;
  seedDbRequests: number;
  seedRequests: Record<ChainKey, number>;
  seedCheck: Verification;
  scale: ScalePoint[];
}

const round = (value: number, digits = 2) =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : null;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
};
const perBalance = (requests: number, balances: number) =>
  balances > 0 ? round(requests / balances, 4) : null;

async function machine() {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const model = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? "unknown";
  return {
    date: new Date().toISOString(),
    arch: Deno.build.arch,
    cpu_model: model,
    cores: navigator.hardwareConcurrency,
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
  };
}

function projectFigures(drive: DriveResult, check: Verification) {
  const synced = check.synced;
  const chain = (key: ChainKey) => drive.chains[key];
  return {
    rows: check.rows,
    synced,
    wall_s: round(drive.wallMs / 1000),
    balances_per_s: round(synced / (drive.wallMs / 1000), 1),
    evm_rpc_requests_per_balance: perBalance(chain("evm").requests, chain("evm").rows),
    tron_multicall_rpc_requests_per_balance: perBalance(
      chain("tron_multicall").requests,
      chain("tron_multicall").rows,
    ),
    tron_plain_rpc_requests_per_balance: perBalance(
      chain("tron_plain").requests,
      chain("tron_plain").rows,
    ),
    rpc_requests: Object.fromEntries(CHAIN_KEYS.map((k) => [k, chain(k).requests])),
    tron_requests_by_endpoint: Object.fromEntries(
      CHAIN_KEYS.filter((k) => chain(k).byPath !== null).map((k) => [k, chain(k).byPath]),
    ),
    rpc_requests_reported_by_function: Object.fromEntries(
      CHAIN_KEYS.map((k) => [k, chain(k).reportedRequests]),
    ),
    // The last run of each caller finds nothing due: its one empty claim is not a batch's.
    db_round_trips_per_batch: round(
      (drive.dbRequests - drive.emptyRuns) / Math.max(1, drive.batches),
      3,
    ),
    db_round_trips_per_batch_with_empty_claims: round(
      drive.dbRequests / Math.max(1, drive.batches),
      3,
    ),
    empty_runs: drive.emptyRuns,
    db_round_trips_per_balance: round(drive.dbRequests / Math.max(1, synced), 4),
    db_round_trips: drive.dbRequests,
    db_calls_by_function: drive.dbCalls,
    runs: drive.runs,
    batches: drive.batches,
    run_stop_reasons: drive.stopReasons,
    run_ms_max: round(Math.max(0, ...drive.runMs), 0),
    cpu_ms: round(drive.cpuMs, 0),
    cpu_ms_per_1000_balances: round((drive.cpuMs / Math.max(1, synced)) * 1000, 1),
    process_cpu_ms_per_1000_balances: round((drive.processCpuMs / Math.max(1, synced)) * 1000, 1),
    peak_rss_mb: round(drive.peakRssMb, 1),
    tron_max_requests_per_s: Object.fromEntries(
      CHAIN_KEYS.filter((k) => chain(k).maxRequestsPerSecond !== null).map((k) => [k, {
        configured_max_rps: chain(k).configuredMaxRps,
        max_in_any_1s: chain(k).maxRequestsPerSecond,
        max_in_any_10s: chain(k).maxRequestsPer10s,
      }]),
    ),
    failed: drive.failed,
    released: drive.released,
    lost: drive.lost,
    stale_rejected: drive.staleRejected,
    wrong_balances: check.wrongRaw + check.wrongHuman,
    never_synced: check.neverSynced,
    left_leased: check.stillLeased,
    failed_calls: drive.failedCalls,
  };
}

/** The warm drain's figures: the same rows again, by the process that drained them first. */
function warmFigures(f: ReturnType<typeof projectFigures>) {
  return {
    synced: f.synced,
    wall_s: f.wall_s,
    balances_per_s: f.balances_per_s,
    cpu_ms_per_1000_balances: f.cpu_ms_per_1000_balances,
    process_cpu_ms_per_1000_balances: f.process_cpu_ms_per_1000_balances,
    rpc_requests: f.rpc_requests,
    db_round_trips_per_batch: f.db_round_trips_per_batch,
    peak_rss_mb: f.peak_rss_mb,
    wrong_balances: f.wrong_balances,
    never_synced: f.never_synced,
    left_leased: f.left_leased,
  };
}

export async function buildResults(input: ResultsInput) {
  const { config, world, project, colds, seed, seedRows, seedCheck } = input;
  const p = projectFigures(project.drive, project.check);
  const pWarm = projectFigures(project.warm.drive, project.warm.check);
  const coldMs = median(colds.map((c) => c.firstResponseMs));

  const sampleByChain = Object.fromEntries(CHAIN_KEYS.map((k) => [k, 0])) as Record<
    ChainKey,
    number
  >;
  for (const id of world.ids.slice(0, seedRows)) sampleByChain[world.expected.get(id)!.chain]++;
  const seedTotalRequests = CHAIN_KEYS.reduce((sum, k) => sum + input.seedRequests[k], 0);
  const seedSeconds = seed.wallMs / 1000;
  const seedBps = seed.synced / seedSeconds;
  const seedChainMs = (key: ChainKey) =>
    Object.entries(seed.byChain).find(([id]) => id === world.chains[key].id)?.[1];

  const seedFigures = {
    rows: seed.processed,
    synced: seed.synced,
    wall_s: round(seedSeconds),
    balances_per_s: round(seedBps, 2),
    rpc_requests_per_balance: perBalance(seedTotalRequests, seed.processed),
    evm_rpc_requests_per_balance: perBalance(input.seedRequests.evm, sampleByChain.evm),
    tron_multicall_rpc_requests_per_balance: perBalance(
      input.seedRequests.tron_multicall,
      sampleByChain.tron_multicall,
    ),
    tron_plain_rpc_requests_per_balance: perBalance(
      input.seedRequests.tron_plain,
      sampleByChain.tron_plain,
    ),
    rows_by_chain: sampleByChain,
    ms_per_row_by_chain: Object.fromEntries(CHAIN_KEYS.map((k) => {
      const stats = seedChainMs(k);
      return [k, stats && stats.rows > 0 ? round(stats.ms / stats.rows, 1) : null];
    })),
    db_round_trips_per_balance: round(input.seedDbRequests / Math.max(1, seed.processed), 3),
    db_round_trips_per_batch: round(input.seedDbRequests / Math.max(1, seed.batches), 1),
    db_round_trips: input.seedDbRequests,
    batches: seed.batches,
    cpu_ms: round(seed.cpuMs, 0),
    cpu_ms_per_1000_balances: round((seed.cpuMs / Math.max(1, seed.processed)) * 1000, 1),
    peak_rss_mb: round(seed.peakRssMb, 1),
    failed: seed.failed,
    wrong_balances: seedCheck.wrongRaw + seedCheck.wrongHuman,
    wrong_balance_examples: seedCheck.examples,
    errors: seed.errors,
  };

  const speedup = (p.balances_per_s ?? 0) / seedBps;

  // The seed's rate on the multicall chains: its time per row there, plus its per-batch queries
  // shared out by time.
  const seedRowMs = Object.values(seed.byChain).reduce((sum, c) => sum + c.ms, 0);
  const multicallKeys: ChainKey[] = ["evm", "tron_multicall"];
  const seedMc = multicallKeys.map(seedChainMs).filter((c) => c !== undefined);
  const seedMcRows = seedMc.reduce((sum, c) => sum + c!.synced, 0);
  const seedMcSeconds = (seed.wallMs / 1000) *
    (seedMc.reduce((sum, c) => sum + c!.ms, 0) / seedRowMs);
  const seedMcBps = seedMcRows / seedMcSeconds;
  const mc = input.multicallChains
    ? projectFigures(input.multicallChains.drive, input.multicallChains.check)
    : null;
  const speedupMc = mc ? (mc.balances_per_s ?? 0) / seedMcBps : null;
  const mcWarm = input.multicallChains
    ? projectFigures(input.multicallChains.warm.drive, input.multicallChains.warm.check)
    : null;
  const speedupMcWarm = mcWarm ? (mcWarm.balances_per_s ?? 0) / seedMcBps : null;
  // CPU and throughput targets are judged on the warm drain: the platform reuses an isolate for
  // the ticks that follow its first (cpu.ts), and what a first drain adds (loading modules,
  // compiling, first address checks) is paid once per isolate; the first drain's figure is shown
  // beside it, and the cold start has its own target.
  const firstAndWarm = (first: number | null, warm: number | null) =>
    `${warm} warm (first drain ${first})`;
  // Paced: the sustained rate (any 10 s window) stays within max_rps. A 1 s window can show one
  // request more: requests leave exactly 1/max_rps apart, and arrival jitter of a millisecond
  // puts an 11th request at 10 rps inside some 1,000 ms window. Both figures are reported.
  const pacingOk = Object.values(p.tron_max_requests_per_s).every((t) =>
    t.configured_max_rps === null || (t.max_in_any_10s ?? 0) <= 10 * t.configured_max_rps + 1
  );
  const target = (figure: string, limit: string, value: unknown, met: boolean) => ({
    figure,
    target: limit,
    value,
    met,
  });
  const targets = [
    target(
      "EVM RPC requests per balance",
      "<= 0.005",
      p.evm_rpc_requests_per_balance,
      (p.evm_rpc_requests_per_balance ?? Infinity) <= 0.005,
    ),
    target(
      "TRON with multicall, requests per balance",
      "<= 0.01",
      p.tron_multicall_rpc_requests_per_balance,
      (p.tron_multicall_rpc_requests_per_balance ?? Infinity) <= 0.01,
    ),
    target(
      "TRON without multicall, requests per balance, paced",
      "<= 1.0, and <= max_rps sustained (any 10 s window <= 10 x max_rps + 1)",
      { per_balance: p.tron_plain_rpc_requests_per_balance, ...p.tron_max_requests_per_s },
      (p.tron_plain_rpc_requests_per_balance ?? Infinity) <= 1.0 && pacingOk,
    ),
    target(
      "DB round trips per batch",
      "<= 2",
      p.db_round_trips_per_batch,
      (p.db_round_trips_per_batch ?? Infinity) <= 2,
    ),
    target("balances/s against the seed strategy", ">= 100x", round(speedup, 1), speedup >= 100),
    target(
      "CPU ms per 1,000 balances, mix (warm drain)",
      "<= 100",
      firstAndWarm(p.cpu_ms_per_1000_balances, pWarm.cpu_ms_per_1000_balances),
      (pWarm.cpu_ms_per_1000_balances ?? Infinity) <= 100,
    ),
    ...(mc && mcWarm
      ? [
        target(
          "CPU ms per 1,000 balances, multicall chains only (warm drain)",
          "<= 30",
          firstAndWarm(mc.cpu_ms_per_1000_balances, mcWarm.cpu_ms_per_1000_balances),
          (mcWarm.cpu_ms_per_1000_balances ?? Infinity) <= 30,
        ),
        target(
          "multicall balances/s against the seed strategy (warm drain)",
          ">= 250x",
          firstAndWarm(round(speedupMc!, 1), round(speedupMcWarm!, 1)),
          speedupMcWarm! >= 250,
        ),
      ]
      : []),
    target("cold start ms", "<= 1500", round(coldMs, 0), coldMs <= 1500),
  ];

  return {
    rows: config.rows,
    latency_ms: { rpc: config.rpcLatencyMs, db: config.dbLatencyMs },
    project: {
      ...p,
      cold_start_ms: round(coldMs, 0),
      cold_starts: colds.map((c) => ({
        listening_ms: round(c.listeningMs, 0),
        first_response_ms: round(c.firstResponseMs, 0),
        first_run_ms: c.firstRunMs,
      })),
      listening_ms_of_measured_process: round(project.listeningMs, 0),
      protected_columns_changed: project.protectedChanged,
      warm: warmFigures(pWarm),
    },
    project_multicall_chains_only: mc
      ? {
        rows: mc.rows,
        synced: mc.synced,
        wall_s: mc.wall_s,
        balances_per_s: mc.balances_per_s,
        evm_rpc_requests_per_balance: mc.evm_rpc_requests_per_balance,
        tron_multicall_rpc_requests_per_balance: mc.tron_multicall_rpc_requests_per_balance,
        db_round_trips_per_batch: mc.db_round_trips_per_batch,
        batches: mc.batches,
        cpu_ms_per_1000_balances: mc.cpu_ms_per_1000_balances,
        peak_rss_mb: mc.peak_rss_mb,
        wrong_balances: mc.wrong_balances,
        seed_strategy_balances_per_s: round(seedMcBps, 2),
        speedup_balances_per_s: round(speedupMc!, 1),
        warm: { ...warmFigures(mcWarm!), speedup_balances_per_s: round(speedupMcWarm!, 1) },
      }
      : null,
    seed_strategy: seedFigures,
    speedup_balances_per_s: round(speedup, 1),
    targets,
    scale: input.scale.map((s) => {
      const f = projectFigures(s.drive, s.check);
      return {
        rows: s.rows,
        wall_s: f.wall_s,
        balances_per_s: f.balances_per_s,
        rpc_requests: f.rpc_requests,
        rpc_requests_total: Object.values(f.rpc_requests).reduce((a, b) => a + b, 0),
        db_round_trips: f.db_round_trips,
        batches: f.batches,
        cpu_ms_per_1000_balances: f.cpu_ms_per_1000_balances,
        peak_rss_mb: f.peak_rss_mb,
        wrong_balances: f.wrong_balances,
        never_synced: f.never_synced,
      };
    }),
    config: {
      mix_evm_tron_multicall_tron_plain: [
        config.mix.evm,
        config.mix.tron_multicall,
        config.mix.tron_plain,
      ],
      rows_by_chain: Object.fromEntries(CHAIN_KEYS.map((k) => [k, world.chains[k].rows])),
      batch_size: config.batchSize,
      concurrency: config.concurrency,
      tron_max_rps: config.tronMaxRps,
      tron_max_concurrency: config.tronMaxConcurrency,
      log_level: config.logLevel,
      seed_sample_rows: seedRows,
      function_env: benchFunctionEnv(config.batchSize, config.logLevel),
      database_settings: BENCH_SETTINGS,
    },
    machine: await machine(),
  };
}

export type Results = Awaited<ReturnType<typeof buildResults>>;
