/**
 * The request body and headers of a POST, checked and turned into what to run (RunRequest); a
 * body that cannot be accepted is a BadRequest naming why.
 */
import type { ForcedFilter } from "../db/store.ts";

/**
 * A scheduled run reads due rows only, in line (`{}`: every chain, each in parallel within its own
 * share of the run; `{"chain_id": "<uuid>", "scheduled": true}`: that chain only, as dispatch()
 * sends it). A forced run reads what its filter names, due or not.
 */
export type RunRequest =
  | { kind: "scheduled"; chainId?: string; tickAt?: string }
  | { kind: "forced"; filter: ForcedFilter }
  /** `{"webhooks": true}`, as the job balance-sync-webhooks sends it: deliver due webhooks. */
  | { kind: "webhooks" };

/** The header dispatch() sends with a scheduled POST: when its tick started (ISO 8601). */
export const TICK_AT_HEADER = "x-balance-sync-tick-at";
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * The tick of a scheduled run, from TICK_AT_HEADER: record makes the rows it reads due one
 * interval after it (the next tick). Absent: null (the rows are due one interval after record).
 */
export function tickAtHeader(headers: Headers): string | null {
  const value = headers.get(TICK_AT_HEADER)?.trim();
  if (value === undefined || value === "") return null;
  if (!ISO_TIMESTAMP.test(value) || Number.isNaN(Date.parse(value))) {
    throw new BadRequest(
      `${TICK_AT_HEADER} must be an ISO 8601 timestamp with its zone, got ${
        JSON.stringify(value.slice(0, 64))
      }`,
      TICK_AT_HEADER,
    );
  }
  return value;
}

/** The body cannot be accepted; the message says exactly why (answer 400). */
export class BadRequest extends Error {
  override name = "BadRequest";
  constructor(message: string, readonly field?: string) {
    super(message);
  }
}

export interface ParseOptions {
  maxIds: number;
  /** Largest body accepted, in bytes. */
  maxBytes?: number;
}

export const MAX_BODY_BYTES = 64 * 1024;

/** Room for maxIds quoted uuids (`"…", ` is 40 bytes) when that is more than MAX_BODY_BYTES. */
export const bodyLimit = (maxIds: number): number => Math.max(MAX_BODY_BYTES, maxIds * 40 + 1024);

const FILTER_KEYS = ["wallet_id", "wallet_balance_ids", "asset_on_chain_id", "chain_id"] as const;
const BODY_KEYS: readonly string[] = [...FILTER_KEYS, "scheduled", "webhooks"];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const isUuid = (value: unknown): value is string =>
  typeof value === "string" && UUID.test(value);

const describe = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : `a ${typeof value}`;

/** Reads at most maxBytes, so an oversized body is refused without being buffered whole. */
async function readBody(request: Request, maxBytes: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > maxBytes) {
    await request.body?.cancel().catch(() => {});
    throw new BadRequest(`body is larger than ${maxBytes} bytes`);
  }
  if (request.body === null) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BadRequest(`body is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function uuidField(key: string, value: unknown): string {
  if (typeof value !== "string") {
    throw new BadRequest(`${key} must be a uuid string, got ${describe(value)}`, key);
  }
  if (!UUID.test(value)) throw new BadRequest(`${key} is not a valid uuid`, key);
  return value.toLowerCase();
}

function idList(value: unknown, maxIds: number): string[] {
  const key = "wallet_balance_ids";
  if (!Array.isArray(value)) {
    throw new BadRequest(`${key} must be an array of uuid strings, got ${describe(value)}`, key);
  }
  if (value.length === 0) throw new BadRequest(`${key} must not be empty`, key);
  if (value.length > maxIds) {
    throw new BadRequest(`${key} holds ${value.length} ids; at most ${maxIds} are allowed`, key);
  }
  const ids = new Set<string>();
  value.forEach((id, i) => {
    if (typeof id !== "string") {
      throw new BadRequest(`${key}[${i}] must be a uuid string, got ${describe(id)}`, key);
    }
    if (!UUID.test(id)) throw new BadRequest(`${key}[${i}] is not a valid uuid`, key);
    ids.add(id.toLowerCase());
  });
  return [...ids];
}

/** `{"scheduled": true}` alone, or with `chain_id`: a scheduled run (of one chain). */
function scheduledBody(body: Record<string, unknown>, keys: string[]): RunRequest {
  if (body.scheduled !== true) {
    throw new BadRequest(
      `scheduled must be true, got ${describe(body.scheduled)}; leave it out for a forced run`,
      "scheduled",
    );
  }
  const others = keys.filter((k) => k !== "scheduled" && k !== "chain_id");
  if (others.length > 0) {
    throw new BadRequest(
      `a scheduled run takes only chain_id; got ${others.join(", ")}`,
      others[0],
    );
  }
  return "chain_id" in body
    ? { kind: "scheduled", chainId: uuidField("chain_id", body.chain_id) }
    : { kind: "scheduled" };
}

/** Turns a parsed JSON body into a run request. */
export function interpretBody(body: unknown, options: ParseOptions): RunRequest {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new BadRequest(`body must be a JSON object, got ${describe(body)}`);
  }
  const keys = Object.keys(body);
  const unknown = keys.filter((k) => !BODY_KEYS.includes(k));
  if (unknown.length > 0) {
    throw new BadRequest(
      `unknown field${unknown.length > 1 ? "s" : ""} ${
        unknown.map((k) => JSON.stringify(k.slice(0, 64))).join(", ")
      }; allowed: ${BODY_KEYS.join(", ")}`,
    );
  }
  if (keys.length === 0) return { kind: "scheduled" };
  if (keys.includes("webhooks")) {
    if (keys.length > 1 || (body as Record<string, unknown>).webhooks !== true) {
      throw new BadRequest('a webhook run is exactly {"webhooks": true}', "webhooks");
    }
    return { kind: "webhooks" };
  }
  if (keys.includes("scheduled")) return scheduledBody(body as Record<string, unknown>, keys);
  if (keys.length > 1) {
    throw new BadRequest(`give exactly one of ${FILTER_KEYS.join(", ")}; got ${keys.join(", ")}`);
  }
  const record = body as Record<string, unknown>;
  const key = keys[0] as typeof FILTER_KEYS[number];
  switch (key) {
    case "wallet_balance_ids":
      return {
        kind: "forced",
        filter: { wallet_balance_ids: idList(record.wallet_balance_ids, options.maxIds) },
      };
    case "wallet_id":
      return { kind: "forced", filter: { wallet_id: uuidField(key, record[key]) } };
    case "asset_on_chain_id":
      return { kind: "forced", filter: { asset_on_chain_id: uuidField(key, record[key]) } };
    case "chain_id":
      return { kind: "forced", filter: { chain_id: uuidField(key, record[key]) } };
  }
}

/** No body (or only whitespace) is a scheduled run; anything else must be a valid filter. */
export async function parseRunRequest(
  request: Request,
  options: ParseOptions,
): Promise<RunRequest> {
  const parsed = await parseBody(request, options);
  if (parsed.kind !== "scheduled") return parsed;
  const tickAt = tickAtHeader(request.headers);
  return tickAt === null ? parsed : { ...parsed, tickAt };
}

async function parseBody(request: Request, options: ParseOptions): Promise<RunRequest> {
  const bytes = await readBody(request, options.maxBytes ?? bodyLimit(options.maxIds));
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new BadRequest("body is not valid UTF-8");
  }
  if (text.trim() === "") return { kind: "scheduled" };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new BadRequest("body is not valid JSON");
  }
  return interpretBody(body, options);
}
