/**
 * The function's entrypoint: reads the configuration, builds the database client, the store, the
 * webhook store and the handler, and serves it (Deno.serve; on the port BALANCE_SYNC_PORT names
 * when served locally).
 */
import { readers } from "./chains/readers.ts";
import { loadConfig } from "./config.ts";
import { ConfigError } from "./config_error.ts";
import { createDatabaseClient } from "./db/client.ts";
import { createHandler } from "./http/handler.ts";
import { consoleSink } from "./log.ts";
import { createStore } from "./db/store.ts";
import { InFlightRuns, stopRunsOnUnload, UNLOAD_RELEASE_MS } from "./run/unload.ts";
import { createWebhookStore } from "./webhooks/store.ts";

/** The run history write comes after the run: it may not push the answer past pg_net's timeout. */
const FINISH_TIMEOUT_MS = 3000;

/** The runs this worker serves now: all of them stop when the worker is about to end. */
const inFlight = new InFlightRuns();

function handlerFromEnv(): (request: Request) => Promise<Response> {
  const env = (name: string) => Deno.env.get(name);
  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // Answer every request with a plain 500 instead of a boot loop; the reason goes to the log only.
    const line = JSON.stringify({
      level: "error",
      time: new Date().toISOString(),
      msg: "Invalid configuration",
      variable: error.variable,
      error: error.message,
    });
    consoleSink(line, "error");
    return () => {
      consoleSink(line, "error");
      return Promise.resolve(
        Response.json({ error: "function is misconfigured" }, { status: 500 }),
      );
    };
  }
  const client = createDatabaseClient({ supabaseUrl: config.supabaseUrl, keys: config });
  const store = createStore(
    client,
    { timeoutMs: config.storeTimeoutMs, finishTimeoutMs: FINISH_TIMEOUT_MS },
  );
  stopRunsOnUnload(inFlight, (reason, runs) =>
    consoleSink(
      JSON.stringify({
        level: "warn",
        time: new Date().toISOString(),
        msg: "Worker ending: runs stop and give back their rows",
        reason,
        runs,
      }),
      "warn",
    ));
  const webhooks = createWebhookStore(client, { timeoutMs: config.storeTimeoutMs });
  return createHandler({ config, store, readers, env, operations: store, inFlight, webhooks });
}

const handler = handlerFromEnv();
const port = Deno.env.get("BALANCE_SYNC_PORT");
if (port) {
  // Local serving (tests, `deno task dev`). The Edge Runtime chooses the listener itself, and
  // ends a worker with beforeunload; served here, SIGTERM does the same (reason "termination"),
  // then the process exits once the runs have given back their rows.
  Deno.addSignalListener("SIGTERM", () => {
    globalThis.dispatchEvent(
      new CustomEvent("beforeunload", { cancelable: true, detail: { reason: "termination" } }),
    );
    const exit = () => Deno.exit(0);
    setTimeout(exit, UNLOAD_RELEASE_MS + 1000);
    inFlight.stopAll("termination").then(exit, exit);
  });
  Deno.serve({
    port: Number(port),
    hostname: "127.0.0.1",
    onListen: ({ hostname, port }) =>
      console.log(JSON.stringify({
        level: "info",
        time: new Date().toISOString(),
        msg: "Listening",
        hostname,
        port,
      })),
  }, handler);
} else {
  Deno.serve(handler);
}
