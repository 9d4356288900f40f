/** The benchmark's three chains, in the order every table lists them. A module of its own so that
 * reading the results (bench/results_table.ts) loads nothing of the world that produced them. */
export type ChainKey = "evm" | "tron_multicall" | "tron_plain";
export const CHAIN_KEYS: readonly ChainKey[] = ["evm", "tron_multicall", "tron_plain"];
