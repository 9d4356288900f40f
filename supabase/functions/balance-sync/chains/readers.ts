/**
 * The reader registry: a chain family's reader, loaded on first use and wrapped so that it never
 * rejects and answers every query exactly once.
 */
import { ReadError } from "./errors.ts";
import type { BalanceOutcome, BalanceQuery, ChainFamily, ChainRead, ChainReader } from "./types.ts";

type Loaders = Record<ChainFamily, () => Promise<ChainReader>>;

/**
 * The reader of each chain family, loaded on first use: a run with only EVM rows never imports
 * tronweb (heavy, and cold start counts), and the reverse. Static specifiers keep both modules in
 * the deployed bundle.
 */
const LOADERS: Loaders = {
  evm: () => import("./evm/reader.ts").then((m) => m.readEvm),
  tron: () => import("./tron/reader.ts").then((m) => m.readTron),
};

/**
 * A registry over `loaders`. Neither it nor the readers it gives ever reject, and a read has
 * exactly one outcome per query, in query order: an unknown family, a module that fails to load
 * (retried on the next call), a reader that throws or leaves a query out all become failed
 * outcomes of that chain's queries only. This is the one place that guarantee is enforced.
 */
export function createReaderRegistry(
  loaders: Loaders,
): (family: ChainFamily) => Promise<ChainReader> {
  const loaded = new Map<ChainFamily, Promise<ChainReader>>();
  return (family) => {
    const load = loaders[family];
    if (!load) {
      return Promise.resolve(
        failing(new ReadError("configuration", `no reader for chain family "${family}"`)),
      );
    }
    let reader = loaded.get(family);
    if (!reader) {
      reader = load();
      loaded.set(family, reader);
    }
    return reader.then(
      (read) => neverRejecting(family, read),
      (cause) => {
        // A failed import (e.g. a dependency missing) is retried by the next run.
        loaded.delete(family);
        return failing(unexpected(family, cause, "the reader could not load: "));
      },
    );
  };
}

/** The function's reader registry: the EVM and TRON readers with their default settings. */
export const readers = createReaderRegistry(LOADERS);

/** `read` with its failures (a throw, a rejection, a query left without outcome) as outcomes. */
export function neverRejecting(family: ChainFamily, read: ChainReader): ChainReader {
  return async (chain, queries, options) => {
    try {
      const result = await read(chain, queries, options);
      return withEveryQuery(
        result,
        queries,
        new ReadError("transient", "no outcome for this query"),
      );
    } catch (error) {
      return withEveryQuery(NOTHING_READ, queries, unexpected(family, error));
    }
  };
}

const NOTHING_READ: ChainRead = { block: null, outcomes: [], requests: 0, mode: "per-call" };

const failing = (error: ReadError): ChainReader => (_chain, queries) =>
  Promise.resolve(withEveryQuery(NOTHING_READ, queries, error));

const unexpected = (family: ChainFamily, cause: unknown, what = "") =>
  new ReadError(
    "transient",
    `${family} read failed unexpectedly: ${what}${
      cause instanceof Error ? cause.message : String(cause)
    }`,
    {},
    { cause },
  );

/** Exactly one outcome per query, in query order; `missing` for a query the read left out. */
function withEveryQuery(
  read: ChainRead,
  queries: readonly BalanceQuery[],
  missing: ReadError,
): ChainRead {
  // Readers answer in query order, one outcome each: then there is nothing to look up by key.
  if (inQueryOrder(read.outcomes, queries)) return read;
  const byKey = new Map<string, BalanceOutcome>();
  for (const outcome of read.outcomes) if (outcome) byKey.set(outcome.key, outcome);
  return {
    ...read,
    outcomes: queries.map((q) => byKey.get(q.key) ?? { key: q.key, ok: false, error: missing }),
  };
}

function inQueryOrder(outcomes: readonly BalanceOutcome[], queries: readonly BalanceQuery[]) {
  if (outcomes.length !== queries.length) return false;
  for (let i = 0; i < queries.length; i++) {
    if (outcomes[i]?.key !== queries[i].key) return false;
  }
  return true;
}
