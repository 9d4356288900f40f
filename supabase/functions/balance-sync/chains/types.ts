/** What the run and the chain readers share: a chain's row, the queries, the outcomes, a read. */
import type { ReadError } from "./errors.ts";
import type { LimitObservations, ReadSizes } from "./read_limits.ts";

export type ChainFamily = "evm" | "tron";

/** One chain row, as `balance_sync_claim` returns it, in the shape the readers take. */
export interface ChainConfig {
  id: string;
  name: string;
  family: ChainFamily;
  rpcUrl: string;
  fallbackRpcUrls: string[];
  /** Multicall3 address; null means the canonical one on EVM and "no multicall" on TRON. */
  multicallAddress: string | null;
  /** Read this many blocks below the head (EVM); on TRON any value > 0 reads confirmed state. */
  confirmations: number;
  /** Expected EVM chain id; when set, a node reporting another id fails the chain. */
  evmChainId: number | null;
  /** Name of the function secret (env var) that holds this chain's API key. Never the key. */
  apiKeyEnv: string | null;
  /** Pacing: requests per second and requests in flight; null means the family default. */
  maxRps: number | null;
  maxConcurrency: number | null;
}

/** One balance to read: `token` null means the chain's native coin. */
export interface BalanceQuery {
  key: string;
  address: string;
  token: string | null;
}

export type BalanceOutcome =
  | { key: string; ok: true; raw: bigint }
  | { key: string; ok: false; error: ReadError };

export type ReadMode = "multicall" | "json-rpc-batch" | "per-call";

export interface ChainRead {
  /** Block every outcome was read at (EVM), or the head seen before reading (TRON); null if unknown. */
  block: bigint | null;
  outcomes: BalanceOutcome[];
  /** HTTP requests sent to the chain's nodes for this read. */
  requests: number;
  mode: ReadMode;
  /** Why the read did not use multicall, when it did not. */
  note?: string;
  /** The sizes the read ended with (lowered by refusals), for the chain's next read. */
  sizes?: ReadSizes;
  /** What the read saw of each size, for the chain's learned limits (read_limits.ts). */
  seen?: LimitObservations;
}

export interface ReadOptions {
  /** Function secrets, so a reader can resolve `apiKeyEnv`; defaults to Deno.env. */
  env?: (name: string) => string | undefined;
  signal?: AbortSignal;
  /** Calls per aggregate3 chunk (default 500); wins over sizes.multicall. */
  chunkSize?: number;
  /** The chain's learned sizes (read_limits.ts); default: the family's maxima. */
  sizes?: ReadSizes;
}

/** Reads every query of one chain. Never rejects: failures are outcomes. */
export type ChainReader = (
  chain: ChainConfig,
  queries: BalanceQuery[],
  options?: ReadOptions,
) => Promise<ChainRead>;
