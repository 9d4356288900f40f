/**
 * The HTTP face of the function: POST runs a sync (or a webhook run), GET /metrics answers the
 * metrics; authentication, body and status codes here, the run itself in run/.
 */
import { type Authenticator, createAuthenticator } from "./auth.ts";
import type { Config } from "../config.ts";
import { createLogger, type Logger, type LogSink } from "../log.ts";
import { BadRequest, parseRunRequest } from "./request.ts";
import { finishRun } from "./history.ts";
import { startCpuClock } from "../run/cpu.ts";
import { FilterNotFound, type Operations, type Store, StoreUnavailable } from "../db/store.ts";
import { type ReaderRegistry, runSync } from "../run/mod.ts";
import { type InFlightRuns, runtimeWaitUntil } from "../run/unload.ts";
import type { WebhookStore } from "../webhooks/store.ts";
import { runWebhooks, type WebhookDeps } from "../webhooks/delivery.ts";

export interface HandlerDeps {
  config: Config;
  store: Store;
  readers: ReaderRegistry;
  env?: (name: string) => string | undefined;
  logSink?: LogSink;
  newRunId?: () => string;
  /** Defaults to one built from the config's keys and secret. */
  authenticate?: Authenticator;
  /** Run history and metrics; without it runs leave no finished row and /metrics answers 404. */
  operations?: Operations;
  /** The runs of this process, stopped together when the worker is ending (run/unload.ts). */
  inFlight?: InFlightRuns;
  /**
   * Keeps the worker up for work after the answer (EdgeRuntime.waitUntil, by default where the
   * runtime has it). With it, the run's history is written after the answer; without it, before.
   */
  waitUntil?: ((promise: Promise<unknown>) => void) | null;
  /** Webhook delivery (POST {"webhooks": true}); without it such a request answers 404. */
  webhooks?: WebhookStore;
  /** fetch and name resolution of webhook deliveries (tests). */
  webhookDeps?: Pick<WebhookDeps, "fetch" | "resolve">;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store", ...headers },
  });

/**
 * The HTTP shell: method, auth, body, status codes. The run itself lives in run/ (run/mod.ts).
 * Nothing runs without a valid credential (401); a bad body is a 400 and an unknown force-sync id
 * a 404, both before any row is claimed. Every answer after authentication carries a run_id; a run
 * ends as 200 with its summary, 503 when the database is unavailable, or 500, and its end is
 * written to the run history (best effort: a failed write does not change the answer).
 */
export function createHandler(deps: HandlerDeps): (request: Request) => Promise<Response> {
  const { config } = deps;
  const rootLog = createLogger({
    level: config.logLevel,
    sink: deps.logSink,
    redact: [
      ...(config.serviceRoleKey ? [config.serviceRoleKey] : []),
      ...config.secretKeys,
      ...(config.syncSecret ? [config.syncSecret] : []),
    ],
  });
  // Once per worker: secrets that used to repeat a database setting decide nothing now.
  for (const { variable, setting } of config.retiredVariables ?? []) {
    rootLog.warn(
      `${variable} is set but no longer read: the setting ${setting} in balance_sync.settings ` +
        `decides. Change it there (update balance_sync.settings set value = '…' where key = ` +
        `'${setting}') and remove the secret (supabase secrets unset ${variable})`,
      { variable, setting },
    );
  }
  const authenticate: Promise<Authenticator> = deps.authenticate
    ? Promise.resolve(deps.authenticate)
    : createAuthenticator({
      serviceRoleKey: config.serviceRoleKey,
      refuseLegacyKeys: config.refuseLegacyKeys,
      secretKeys: config.secretKeys,
      syncSecret: config.syncSecret,
    });
  const newRunId = deps.newRunId ?? (() => crypto.randomUUID());
  const waitUntil = deps.waitUntil === undefined ? runtimeWaitUntil() : deps.waitUntil;
  /** The history write: after the answer where the runtime can keep the worker up for it. */
  const writeHistory = async (history: Promise<void>) => {
    if (waitUntil) waitUntil(history);
    else await history;
  };

  return async (request) => {
    if (request.method === "GET" && new URL(request.url).pathname.endsWith("/metrics")) {
      return await serveMetrics(request, await authenticate, deps.operations, rootLog);
    }
    if (request.method !== "POST") {
      await request.body?.cancel().catch(() => {});
      return json(405, { error: `method ${request.method} not allowed; use POST` }, {
        allow: "POST",
      });
    }
    const credential = await (await authenticate)(request.headers);
    if (credential === null) {
      await request.body?.cancel().catch(() => {});
      rootLog.warn("Rejected a request without a valid credential");
      return json(401, { error: "unauthorized" }, { "www-authenticate": "Bearer" });
    }

    const runId = newRunId();
    const log = rootLog.child({ run_id: runId });
    let runRequest;
    try {
      runRequest = await parseRunRequest(request, { maxIds: config.maxForcedIds });
    } catch (error) {
      if (error instanceof BadRequest) {
        log.warn("Rejected a malformed request", { error: error.message });
        return json(400, {
          error: error.message,
          ...(error.field ? { field: error.field } : {}),
          run_id: runId,
        });
      }
      throw error;
    }

    if (runRequest.kind === "webhooks") {
      return await serveWebhooks(deps, log, runId);
    }

    // Only for a run that throws: a finished run reports its own cpu_ms.
    const cpuMs = startCpuClock();
    try {
      const ran = await runSync(
        { store: deps.store, readers: deps.readers, env: deps.env, log, inFlight: deps.inFlight },
        config,
        {
          runId,
          filter: runRequest.kind === "forced" ? runRequest.filter : null,
          chainId: runRequest.kind === "scheduled" ? runRequest.chainId ?? null : null,
          tickAt: runRequest.kind === "scheduled" ? runRequest.tickAt ?? null : null,
        },
      );
      await writeHistory(finishRun(deps.operations, log, runId, "finished", { ...ran }));
      return json(200, ran);
    } catch (error) {
      if (error instanceof FilterNotFound) {
        log.warn("Rejected a force-sync of something that does not exist", {
          error: error.message,
          field: error.field,
        });
        return json(404, {
          error: error.message,
          ...(error.field ? { field: error.field } : {}),
          run_id: runId,
        });
      }
      await writeHistory(finishRun(deps.operations, log, runId, "failed", {
        run_id: runId,
        kind: runRequest.kind,
        cpu_ms: cpuMs(),
        error: error instanceof StoreUnavailable ? "database unavailable" : "internal error",
      }));
      if (error instanceof StoreUnavailable) return databaseUnavailable(log, error, runId);
      log.error("Run failed", { error: (error as Error)?.message ?? String(error) });
      return json(500, { error: "internal error", run_id: runId });
    }
  };
}

/** 503: the database did not answer; the log says which call and why. */
function databaseUnavailable(log: Logger, error: StoreUnavailable, runId: string): Response {
  log.error("Database unavailable", {
    operation: error.operation,
    code: error.code,
    status: error.status,
    error: error.message,
  });
  return json(503, { error: "database unavailable", run_id: runId });
}

/** POST {"webhooks": true}: one webhook run within the function's budget; 200 with its summary. */
async function serveWebhooks(deps: HandlerDeps, log: Logger, runId: string): Promise<Response> {
  if (!deps.webhooks) {
    return json(404, { error: "webhooks are not available", run_id: runId });
  }
  try {
    const summary = await runWebhooks(
      { store: deps.webhooks, log, ...deps.webhookDeps },
      { runId, budgetMs: deps.config.budgetMs, leaseSeconds: deps.config.leaseSeconds },
    );
    return json(200, summary);
  } catch (error) {
    if (error instanceof StoreUnavailable) return databaseUnavailable(log, error, runId);
    log.error("Webhook run failed", { error: (error as Error)?.message ?? String(error) });
    return json(500, { error: "internal error", run_id: runId });
  }
}

/** GET /metrics: the Prometheus text of balance_sync_metrics(), for the credentials of a sync. */
async function serveMetrics(
  request: Request,
  authenticate: Authenticator,
  operations: Operations | undefined,
  log: Logger,
): Promise<Response> {
  if (await authenticate(request.headers) === null) {
    log.warn("Rejected a request without a valid credential");
    return json(401, { error: "unauthorized" }, { "www-authenticate": "Bearer" });
  }
  if (!operations) return json(404, { error: "metrics are not available" });
  try {
    return new Response(await operations.metrics(), {
      status: 200,
      headers: {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    log.error("Database unavailable", {
      operation: "balance_sync_metrics",
      error: (error as Error)?.message ?? String(error),
    });
    return json(503, { error: "database unavailable" });
  }
}
