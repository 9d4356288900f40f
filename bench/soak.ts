/**
 * `deno task bench -- --soak [--rows 30000 --minutes 6 --slow-factor 10 --png ...]`
 *
 * The scheduling path under load for minutes: pg_cron's job command every 30 s, pg_net (stand-in)
 * delivering whatever it queued, the function served as its own process, the bench's three chains
 * behind counting proxies with injected latency (bench/world.ts). Then the same again with the
 * paced chain's node `--slow-factor` times slower. Writes bench/soak.json and the staleness
 * picture (bench/soak_staleness.svg), and prints every target of the soak, met or missed.
 *
 * Quick look while developing: `deno task bench -- --soak --rows 3000 --minutes 2`.
 * At scale (bench/scale.json, soak_scale.ts): `deno task bench -- --soak --rows 100000 --minutes 10`.
 * The picture alone, again from bench/soak.json: `deno task bench -- --soak --chart-only`.
 */
import { startStack } from "../stack/stack.ts";
import { renderChart } from "./soak_chart.ts";
import { parseSoakArgs } from "./soak_options.ts";
import { buildSoakReport, chainInfos, printSoakReport } from "./soak_report.ts";
import {
  allowedInFlight,
  buildScaleReport,
  multicallFloor,
  printScaleReport,
} from "./soak_scale.ts";
import { repoRoot } from "../stack/bin.ts";
import { type SoakRun, soakRun } from "./soak_run.ts";
import { CHAIN_KEYS, resetRows, seedBenchWorld, TRON_MULTICALL_EVM } from "./world.ts";
import { stopOnInterrupt } from "./interrupt.ts";

const log = (message: string) => console.error(`[soak ${new Date().toISOString()}] ${message}`);

export async function runSoak(args: string[]) {
  const config = parseSoakArgs(args);
  if (config.chartOnly) {
    await renderChart(JSON.parse(await Deno.readTextFile(config.out)), config.chart, config.png);
    log(`drew ${config.chart} from ${config.out}`);
    return;
  }
  const started = performance.now();
  log(`config ${JSON.stringify(config)}`);
  // pg_cron's own database: the scheduling migration, cron.job and pg_net's queue live there.
  const stack = await startStack({
    database: "postgres",
    function: false,
    postgrestLatencyMs: config.dbLatencyMs,
    tronMulticallEvmAddress: TRON_MULTICALL_EVM,
  });
  let stopWorld = async () => {};
  const teardown = async () => {
    await stopWorld();
    await stack.stop();
  };
  const removeInterrupt = stopOnInterrupt(log, teardown);
  try {
    const { sql } = stack;
    const [job] = await sql`select jobid, command from cron.job where jobname = 'balance-sync'`;
    if (!job) throw new Error("no pg_cron job named balance-sync: is the scheduling migration in?");
    // The soak fires the job's command itself every tick; pg_cron must not add its own runs.
    await sql`select cron.alter_job(${job.jobid}::bigint, active := false)`;
    await sql`delete from vault.secrets where name = 'balance_sync_secret'`;
    await sql`select vault.create_secret(${stack.keys.syncSecret}, 'balance_sync_secret')`;
    log(`cron job command: ${job.command}`);

    const seeding = performance.now();
    const world = await seedBenchWorld(stack, {
      rows: config.rows,
      mix: config.mix,
      rpcLatencyMs: config.rpcLatencyMs,
      tronMaxRps: config.tronMaxRps,
      tronMaxConcurrency: null,
    });
    stopWorld = world.stop;
    log(
      `seeded ${config.rows} rows (${
        CHAIN_KEYS.map((k) => `${world.chains[k].name} ${world.chains[k].rows}`).join(", ")
      }) in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
    );
    const chains = await chainInfos(sql, world);
    const runOptions = {
      command: job.command as string,
      functionEnv: { BALANCE_SYNC_LOG_LEVEL: config.logLevel },
      tickMs: config.tickMs,
      sampleMs: config.sampleMs,
      durationMs: config.minutes * 60_000,
      log,
    };

    const main = await soakRun(stack, world, {
      ...runOptions,
      label: config.scale ? "scale" : "soak",
    });
    if (config.scale) {
      const figures = buildSoakReport(config, chains, main, null);
      printSoakReport(figures);
      const scale = buildScaleReport(
        config,
        chains,
        figures.chains,
        main,
        await allowedInFlight(sql, chains),
        await multicallFloor(`${repoRoot}/bench/results.json`),
      );
      printScaleReport(scale);
      await Deno.writeTextFile(config.out, JSON.stringify(scale, null, 2) + "\n");
      log(`wrote ${config.out} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
      return;
    }
    let slow: SoakRun | null = null;
    if (config.slowFactor > 1 && world.chains.tron_plain.rows > 0) {
      await resetRows(sql);
      await sql`vacuum analyze public.wallet_balances`;
      // The node answers after --rpc-latency; its proxy adds the rest of the slowdown.
      world.chains.tron_plain.proxy.setLatency(config.rpcLatencyMs * (config.slowFactor - 1));
      log(
        `slow node: ${world.chains.tron_plain.name} answers after ` +
          `${config.rpcLatencyMs * config.slowFactor} ms`,
      );
      slow = await soakRun(stack, world, { ...runOptions, label: "slow node" });
    }

    const report = buildSoakReport(config, chains, main, slow);
    printSoakReport(report);
    await Deno.writeTextFile(config.out, JSON.stringify(report, null, 2) + "\n");
    await renderChart(report, config.chart, config.png);
    log(
      `wrote ${config.out} and ${config.chart} in ${
        ((performance.now() - started) / 1000).toFixed(0)
      } s`,
    );
  } finally {
    removeInterrupt();
    await teardown();
  }
}

if (import.meta.main) await runSoak(Deno.args);
