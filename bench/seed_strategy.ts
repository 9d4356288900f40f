/**
 * The seed worker's strategy (spec/balance-sync-worker.md, "Worker Flow"), the benchmark's
 * baseline. It runs as its own process, so that its CPU and memory are measured like the
 * function's:
 *
 *   deno run -A bench/seed_strategy.ts '<job JSON>'   (bench/main.ts does this)
 *
 * Per batch: select up to 50 idle rows, lock them; then per row, one after the other: load the
 * asset_on_chain row, load the chain, load the wallet's active address on that chain, make one RPC
 * call (tronweb trx.getBalance / triggerConstantContract, viem getBalance / readContract), update
 * the row, release its lock. Every query is one supabase-js round trip to the functions of
 * bench/seed_strategy.sql (the PostgREST stand-in speaks RPC only). The seed's 30 s sleep between
 * batches is left out.
 *
 * Faithful on purpose, including its weaknesses: TRX comes from tronweb's trx.getBalance, a JS
 * number (inexact above 2^53 sun); the family is told from the chain's name, as the seed did.
 */
import { createClient } from "@supabase/supabase-js";
import { TronWeb } from "tronweb";
import { createPublicClient, erc20Abi, formatUnits, http, type PublicClient } from "viem";
import { procSample } from "./proc.ts";

export interface SeedJob {
  supabaseUrl: string;
  serviceRoleKey: string;
  /** Balances to process; rounded up to whole batches. */
  rows: number;
  batchSize?: number;
  lockSeconds?: number;
  worker?: string;
}

export interface SeedChainStats {
  name: string;
  rows: number;
  synced: number;
  failed: number;
  /** Time spent on this chain's rows (the DB queries and the RPC call of each). */
  ms: number;
}

export interface SeedResult {
  batches: number;
  processed: number;
  synced: number;
  failed: number;
  wallMs: number;
  /** Round trips this process made to the database API. */
  dbCalls: number;
  /** RPC calls this process made (one per row). */
  rpcCalls: number;
  cpuMs: number;
  peakRssMb: number;
  byChain: Record<string, SeedChainStats>;
  errors: string[];
}

interface Row {
  id: string;
  wallet_id: string;
  asset_on_chain_id: string;
}

const RESULT_PREFIX = "SEED_RESULT ";

export async function runSeedStrategy(job: SeedJob): Promise<SeedResult> {
  const batchSize = job.batchSize ?? 50;
  const lockSeconds = job.lockSeconds ?? 120;
  const worker = job.worker ?? `seed-worker-${crypto.randomUUID()}`;
  const supabase = createClient(job.supabaseUrl, job.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
  });
  let dbCalls = 0;
  let rpcCalls = 0;
  const db = async <T>(fn: string, args: Record<string, unknown>): Promise<T> => {
    dbCalls++;
    const { data, error } = await supabase.rpc(fn, args);
    if (error) throw new Error(`${fn}: ${error.message}`);
    return data as T;
  };

  const tronClients = new Map<string, TronWeb>();
  const evmClients = new Map<string, PublicClient>();
  const tronWeb = (url: string) => {
    let client = tronClients.get(url);
    if (!client) tronClients.set(url, client = new TronWeb({ fullHost: url }));
    return client;
  };
  const evm = (url: string) => {
    let client = evmClients.get(url);
    if (!client) evmClients.set(url, client = createPublicClient({ transport: http(url) }));
    return client;
  };

  const fetchBalance = async (
    chain: { name: string; rpc_url: string },
    asset: { is_native: boolean; contract_address: string | null },
    address: string,
  ): Promise<bigint> => {
    rpcCalls++;
    if (chain.name.toLowerCase().includes("tron")) {
      const client = tronWeb(chain.rpc_url);
      if (asset.is_native) return BigInt(await client.trx.getBalance(address));
      const result = await client.transactionBuilder.triggerConstantContract(
        asset.contract_address!,
        "balanceOf(address)",
        {},
        [{ type: "address", value: address }],
        address,
      );
      const word = result.constant_result?.[0];
      if (!word) throw new Error("balanceOf returned nothing");
      return BigInt(`0x${word}`);
    }
    const client = evm(chain.rpc_url);
    if (asset.is_native) return await client.getBalance({ address: address as `0x${string}` });
    return await client.readContract({
      address: asset.contract_address as `0x${string}`,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [address as `0x${string}`],
    });
  };

  const byChain: Record<string, SeedChainStats> = {};
  const errors: string[] = [];
  let processed = 0, synced = 0, failed = 0, batches = 0;
  const before = await procSample("self");
  const started = performance.now();

  while (processed < job.rows) {
    // 1. Select idle rows
    const rows = await db<Row[]>("bench_select_idle", { p_limit: batchSize });
    if (rows.length === 0) break;
    batches++;
    // 2. Lock rows for processing
    await db("bench_lock", {
      p_ids: rows.map((r) => r.id),
      p_worker: worker,
      p_lock_seconds: lockSeconds,
    });
    // 3. Each row, one after the other
    for (const row of rows) {
      const rowStarted = performance.now();
      let chainKey = "unknown";
      try {
        const asset = await db<
          {
            chain_id: string;
            is_native: boolean;
            contract_address: string | null;
            decimals: number;
          }
        >("bench_load_asset_on_chain", { p_id: row.asset_on_chain_id });
        chainKey = asset.chain_id;
        const chain = await db<{ id: string; name: string; rpc_url: string }>(
          "bench_load_chain",
          { p_id: asset.chain_id },
        );
        byChain[chainKey] ??= { name: chain.name, rows: 0, synced: 0, failed: 0, ms: 0 };
        const address = await db<{ address: string } | null>("bench_load_address", {
          p_wallet_id: row.wallet_id,
          p_chain_id: asset.chain_id,
        });
        if (!address) throw new Error("no active address for this wallet on this chain");
        const raw = await fetchBalance(chain, asset, address.address);
        const human = formatUnits(raw, asset.decimals);
        await db("bench_update_balance", { p_id: row.id, p_raw: raw.toString(), p_human: human });
        synced++;
        byChain[chainKey].synced++;
      } catch (error) {
        failed++;
        const message = (error as Error)?.message ?? String(error);
        if (errors.length < 10) errors.push(message);
        byChain[chainKey] ??= { name: chainKey, rows: 0, synced: 0, failed: 0, ms: 0 };
        byChain[chainKey].failed++;
        await db("bench_record_error", { p_id: row.id, p_error: message });
      }
      // h. Release lock
      await db("bench_release_lock", { p_id: row.id });
      byChain[chainKey].rows++;
      byChain[chainKey].ms += performance.now() - rowStarted;
      processed++;
    }
  }

  const wallMs = performance.now() - started;
  const after = await procSample("self");
  return {
    batches,
    processed,
    synced,
    failed,
    wallMs,
    dbCalls,
    rpcCalls,
    cpuMs: after.cpuMs - before.cpuMs,
    peakRssMb: after.peakRssMb,
    byChain,
    errors,
  };
}

/** Runs the strategy in its own Deno process and returns its result and process id. */
export async function runSeedProcess(job: SeedJob): Promise<SeedResult & { pid: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, JSON.stringify(job)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const { code, stdout, stderr } = await child.output();
  const out = new TextDecoder().decode(stdout);
  const line = out.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
  if (code !== 0 || !line) {
    throw new Error(
      `seed strategy process failed (exit ${code}):\n${out}\n${new TextDecoder().decode(stderr)}`,
    );
  }
  return { ...JSON.parse(line.slice(RESULT_PREFIX.length)), pid: child.pid };
}

if (import.meta.main) {
  const job = JSON.parse(Deno.args[0]) as SeedJob;
  const result = await runSeedStrategy(job);
  console.log(RESULT_PREFIX + JSON.stringify(result));
}
