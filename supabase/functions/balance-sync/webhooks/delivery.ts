/**
 * One webhook run (POST {"webhooks": true}, sent by the pg_cron job balance-sync-webhooks): lease
 * the endpoints that are due, and for each, in parallel with the others, send its batches one
 * after the other, in change-id order, until it is caught up, a delivery fails, or the budget is
 * spent. Each batch is signed per Standard Webhooks with the reference library.
 *
 * Guarantees come from the database: the cursor moves only when a 2xx is recorded, a pending batch
 * keeps its range and webhook-id until then, and a lease lets one run at a time serve an
 * endpoint. A run that dies leaves the lease to expire; the batch is sent again, with the same id.
 */
import { Webhook } from "standardwebhooks";
import type { Logger } from "../log.ts";
import { type AddressPolicy, addressProblem } from "./address.ts";
import type { DeliveryAnswer, WebhookBatch, WebhookStore } from "./store.ts";

export interface WebhookRunOptions {
  runId: string;
  /** Wall-clock budget of the run; no delivery starts that could end after it. */
  budgetMs: number;
  /** Endpoint lease; longer than the budget, so that no other run takes an endpoint mid-batch. */
  leaseSeconds: number;
  /** Endpoints served at once at most. */
  maxEndpoints?: number;
}

export interface WebhookDeps {
  store: WebhookStore;
  log: Logger;
  fetch?: typeof fetch;
  /** Name resolution for the SSRF check (tests); default Deno.resolveDns. */
  resolve?: AddressPolicy["resolve"];
  now?: () => number;
}

export interface WebhookRunSummary {
  run_id: string;
  kind: "webhooks";
  endpoints: number;
  batches_delivered: number;
  changes_delivered: number;
  failed: number;
  duration_ms: number;
}

const USER_AGENT = "balance-sync-webhooks";

/** Sends one signed batch; never throws. */
export async function sendBatch(
  batch: WebhookBatch,
  deps: Pick<WebhookDeps, "fetch" | "resolve">,
  now: Date = new Date(),
): Promise<DeliveryAnswer> {
  const problem = await addressProblem(batch.url, {
    allowHttp: batch.allowHttp,
    allowPrivate: batch.allowPrivate,
    ...(deps.resolve !== undefined ? { resolve: deps.resolve } : {}),
  });
  if (problem) return { status: null, error: `not sent: ${problem}`, result: "refused" };
  let signature: string;
  try {
    if (!batch.secret) throw new Error("missing");
    signature = new Webhook(batch.secret).sign(batch.webhookId, now, batch.body);
  } catch {
    // the message names the secret, never its value
    return {
      status: null,
      error: `not sent: Vault secret ${batch.secretName} is missing or not whsec_<base64>`,
      result: "refused",
    };
  }
  try {
    const response = await (deps.fetch ?? fetch)(batch.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": batch.webhookId,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body: batch.body,
      // a redirect could lead anywhere (an internal address): it counts as a failed delivery
      redirect: "manual",
      signal: AbortSignal.timeout(batch.timeoutMs),
    });
    await response.body?.cancel().catch(() => {});
    const ok = response.status >= 200 && response.status <= 299;
    return ok
      ? { status: response.status, error: null, result: "success" }
      : response.status === 0
      ? { status: null, error: "redirect not followed", result: "http_error" }
      : { status: response.status, error: `HTTP ${response.status}`, result: "http_error" };
  } catch (error) {
    const message = (error as Error)?.name === "TimeoutError"
      ? `no answer within ${batch.timeoutMs} ms`
      : String((error as Error)?.message ?? error).slice(0, 300);
    return { status: null, error: message, result: "no_answer" };
  }
}

export async function runWebhooks(
  deps: WebhookDeps,
  options: WebhookRunOptions,
): Promise<WebhookRunSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  const deadline = started + options.budgetMs;
  const summary: WebhookRunSummary = {
    run_id: options.runId,
    kind: "webhooks",
    endpoints: 0,
    batches_delivered: 0,
    changes_delivered: 0,
    failed: 0,
    duration_ms: 0,
  };
  const ids = await deps.store.webhookClaim(
    options.runId,
    options.leaseSeconds,
    options.maxEndpoints ?? 20,
  );
  summary.endpoints = ids.length;

  const serve = async (endpointId: string) => {
    for (;;) {
      const answer = await deps.store.webhookBatch(endpointId, options.runId);
      if (!answer.held || answer.done) return;
      if (answer.batch === null) continue;
      // no POST may outlast the run's budget
      const batch = {
        ...answer.batch,
        timeoutMs: Math.min(answer.batch.timeoutMs, options.budgetMs),
      };
      // a delivery that could outlast the budget waits for the next run (same batch, same id)
      if (now() + batch.timeoutMs > deadline) {
        await deps.store.webhookRelease(endpointId, options.runId);
        return;
      }
      const delivery = await sendBatch(batch, deps);
      const recorded = await deps.store.webhookResult(
        endpointId,
        options.runId,
        batch.webhookId,
        delivery,
      );
      if (delivery.result === "success" && recorded.advanced) {
        summary.batches_delivered += 1;
        summary.changes_delivered += batch.count;
        continue;
      }
      summary.failed += 1;
      deps.log.warn("Webhook delivery failed", {
        endpoint_id: endpointId,
        webhook_id: batch.webhookId,
        status: delivery.status,
        error: delivery.error,
        disabled: recorded.disabled,
      });
      return;
    }
  };

  const results = await Promise.allSettled(ids.map(serve));
  for (const [i, r] of results.entries()) {
    if (r.status === "rejected") {
      summary.failed += 1;
      deps.log.error("Webhook endpoint run failed", {
        endpoint_id: ids[i],
        error: (r.reason as Error)?.message ?? String(r.reason),
      });
    }
  }
  summary.duration_ms = now() - started;
  deps.log.notice("Webhook run finished", { ...summary });
  return summary;
}
