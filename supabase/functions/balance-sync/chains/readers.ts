import type { ChainFamily, ChainReader } from "./types.ts";

/**
 * The reader of each chain family, loaded on first use: a run with only EVM rows never imports
 * tronweb (heavy, and cold start counts), and the reverse. Static specifiers keep both modules in
 * the deployed bundle.
 */
const loaders: Record<ChainFamily, () => Promise<ChainReader>> = {
  evm: () => import("./evm.ts").then((m) => m.readEvm),
  tron: () => import("./tron.ts").then((m) => m.readTron),
};

const loaded = new Map<ChainFamily, Promise<ChainReader>>();

export function readers(family: ChainFamily): Promise<ChainReader> {
  const load = loaders[family];
  if (!load) return Promise.reject(new Error(`no reader for chain family "${family}"`));
  let reader = loaded.get(family);
  if (!reader) {
    reader = load();
    // A failed import (e.g. a dependency missing) is retried by the next run.
    reader.catch(() => loaded.delete(family));
    loaded.set(family, reader);
  }
  return reader;
}
