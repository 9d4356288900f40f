/**
 * The webhook side of the DB contract: lease endpoints, take the next batch (with its signing
 * secret), record the answer, give a lease back. The database owns the cursor and the pending
 * batch; the function holds nothing between calls.
 */
import { type RpcCaller, rpcCaller, type RpcClient, type StoreOptions } from "../db/store.ts";

/** A batch to send. `secret` is the signing key: never logged, never in an answer. */
export interface WebhookBatch {
  webhookId: string;
  url: string;
  secret: string | null;
  secretName: string;
  count: number;
  /** The JSON body, exactly as sent (and signed). */
  body: string;
  allowHttp: boolean;
  allowPrivate: boolean;
  timeoutMs: number;
}

export type BatchAnswer =
  | { held: false }
  | { held: true; done: true }
  /** A stretch of changes that the filter left out moved the cursor; ask again. */
  | { held: true; done: false; batch: null }
  | { held: true; done: false; batch: WebhookBatch };

/** How a delivery ended, as recorded: result names the metric label of a failure. */
export interface DeliveryAnswer {
  status: number | null;
  error: string | null;
  result: "success" | "http_error" | "no_answer" | "refused";
}

export interface WebhookStore {
  webhookClaim(runId: string, leaseSeconds: number, limit: number): Promise<string[]>;
  webhookBatch(endpointId: string, runId: string): Promise<BatchAnswer>;
  webhookResult(
    endpointId: string,
    runId: string,
    webhookId: string,
    answer: DeliveryAnswer,
  ): Promise<{ accepted: boolean; advanced: boolean; disabled: boolean }>;
  webhookRelease(endpointId: string, runId: string): Promise<boolean>;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  v !== null && typeof v === "object" && !Array.isArray(v);

export function parseBatchAnswer(data: unknown): BatchAnswer {
  if (!isObject(data)) throw new TypeError("batch answer is not an object");
  if (data.held !== true) return { held: false };
  if (data.done === true) return { held: true, done: true };
  if (data.webhook_id === null || data.webhook_id === undefined) {
    return { held: true, done: false, batch: null };
  }
  const str = (key: string) => {
    if (typeof data[key] !== "string") throw new TypeError(`${key} is not a string`);
    return data[key] as string;
  };
  if (!isObject(data.payload)) throw new TypeError("payload is not an object");
  return {
    held: true,
    done: false,
    batch: {
      webhookId: str("webhook_id"),
      url: str("url"),
      secret: typeof data.secret === "string" ? data.secret : null,
      secretName: str("secret_name"),
      count: Number(data.count),
      // re-serialised from the parsed answer: the same rows give the same text on every retry
      body: JSON.stringify(data.payload),
      allowHttp: data.allow_http === true,
      allowPrivate: data.allow_private === true,
      timeoutMs: Number(data.timeout_ms) || 10_000,
    },
  };
}

export function createWebhookStore(client: RpcClient, options: StoreOptions): WebhookStore {
  const call: RpcCaller = rpcCaller(client, options);
  return {
    webhookClaim: (runId, leaseSeconds, limit) =>
      call(
        "balance_sync_webhook_claim",
        { p_worker: runId, p_lease_seconds: leaseSeconds, p_limit: limit },
        (data) => {
          if (!Array.isArray(data)) throw new TypeError("not a list of ids");
          return data.map(String);
        },
      ),
    webhookBatch: (endpointId, runId) =>
      call(
        "balance_sync_webhook_batch",
        { p_endpoint: endpointId, p_worker: runId },
        parseBatchAnswer,
      ),
    webhookResult: (endpointId, runId, webhookId, answer) =>
      call(
        "balance_sync_webhook_result",
        {
          p_endpoint: endpointId,
          p_worker: runId,
          p_webhook_id: webhookId,
          p_status: answer.status,
          p_error: answer.error,
          p_result: answer.result,
        },
        (data) => {
          if (!isObject(data)) throw new TypeError("result answer is not an object");
          return {
            accepted: data.accepted === true,
            advanced: data.advanced === true,
            disabled: data.disabled === true,
          };
        },
      ),
    webhookRelease: (endpointId, runId) =>
      call(
        "balance_sync_webhook_release",
        { p_endpoint: endpointId, p_worker: runId },
        (data) => data === true,
      ),
  };
}
