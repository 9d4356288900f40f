import assert from "node:assert/strict";

import { SYNC_SECRET_HEADER } from "../../supabase/functions/balance-sync/http/auth.ts";

import {
  FilterNotFound,
  StoreUnavailable,
} from "../../supabase/functions/balance-sync/db/store.ts";
import { chain, FAKE_KEYS, FakeReaders, FakeStore, handlerWithFakes, row } from "./fakes.ts";
const { serviceRole: SERVICE_ROLE, anon: ANON, secretKey: SECRET_KEY, sync: SYNC } = FAKE_KEYS;
const RUN = "5d9b3e0a-7c1f-4a2b-9d3e-6f7a8b9c0d1e";

function setup(env: Record<string, string> = {}) {
  const evm = chain("bsc", "evm");
  const wallet = "40000000-0000-4000-8000-00000000000a";
  const rows = [row("bsc", { address: "0xa", walletId: wallet }), row("bsc", { address: "0xb" })];
  const store = new FakeStore([evm], rows);
  const readers = new FakeReaders();
  readers.behaviour.set("bsc", {
    kind: "balances",
    balances: new Map([["0xa", 5n], ["0xb", 6n]]),
  });
  const { handler, logs } = handlerWithFakes(store, readers, {
    env: { BALANCE_SYNC_LOG_LEVEL: "debug", ...env },
    runId: RUN,
  });
  return { handler, store, logs, wallet, rows };
}

const request = (
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
) =>
  new Request("http://function.local/functions/v1/balance-sync", {
    method: init.method ?? "POST",
    headers: init.headers ?? { authorization: `Bearer ${SERVICE_ROLE}` },
    body: init.body,
  });

function assertNoSecrets(text: string) {
  for (const secret of [SERVICE_ROLE, SECRET_KEY, SYNC, ANON]) {
    assert.ok(!text.includes(secret), "a secret leaked");
  }
}

Deno.test("handler answers a scheduled run with its JSON summary", async () => {
  const { handler, store, logs } = setup();
  const response = await handler(request());
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "application/json");
  const summary = await response.json();
  assert.equal(summary.run_id, RUN);
  assert.equal(summary.kind, "scheduled");
  assert.equal(summary.claimed, 2);
  assert.equal(summary.synced, 2);
  assert.equal(summary.chains.bsc.rows, 2);
  assert.equal(store.rows.filter((r) => r.raw !== null).length, 2);
  assert.ok(logs.every((l) => JSON.parse(l).run_id === RUN || !("run_id" in JSON.parse(l))));
});

Deno.test("handler answers a forced run with every row's balance", async () => {
  const { handler, wallet, rows } = setup();
  const response = await handler(request({
    headers: { apikey: SECRET_KEY },
    body: JSON.stringify({ wallet_id: wallet }),
  }));
  assert.equal(response.status, 200);
  const summary = await response.json();
  assert.equal(summary.kind, "forced");
  assert.deepEqual(summary.rows.map((r: { id: string; raw: string }) => [r.id, r.raw]), [[
    rows[0].id,
    "5",
  ]]);
});

Deno.test("handler refuses methods other than POST with 405 and an Allow header", async () => {
  const { handler, store } = setup();
  for (const method of ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
    const response = await handler(request({ method }));
    assert.equal(response.status, 405, method);
    assert.equal(response.headers.get("allow"), "POST");
    await response.body?.cancel();
  }
  assert.equal(store.calls.length, 0);
});

Deno.test("handler answers 401 to every request without an accepted credential", async () => {
  const { handler, store, logs } = setup();
  const refused: Record<string, string>[] = [
    {},
    { authorization: `Bearer ${ANON}` },
    { apikey: ANON },
    { authorization: "Bearer not-the-key" },
    { authorization: `Bearer${SERVICE_ROLE}` },
    { authorization: `Token ${SERVICE_ROLE}` },
    { "x-balance-sync-secret": "sync-secret-0123456789abcdeX" },
  ];
  for (const headers of refused) {
    const response = await handler(request({ headers, body: "{}" }));
    assert.equal(response.status, 401, JSON.stringify(headers));
    const text = await response.text();
    assert.deepEqual(JSON.parse(text), { error: "unauthorized" });
    assertNoSecrets(text);
  }
  assert.equal(store.calls.length, 0, "nothing ran");
  assertNoSecrets(logs.join("\n"));
});

Deno.test("handler accepts each credential: service role, secret key, sync secret", async () => {
  const accepted: Record<string, string>[] = [
    { authorization: `Bearer ${SERVICE_ROLE}` },
    { apikey: SECRET_KEY },
    { apikey: SERVICE_ROLE },
    { "x-balance-sync-secret": SYNC },
  ];
  for (const headers of accepted) {
    const { handler, logs } = setup();
    const response = await handler(request({ headers }));
    assert.equal(response.status, 200, JSON.stringify(Object.keys(headers)));
    assertNoSecrets(await response.text());
    assertNoSecrets(logs.join("\n"));
  }
});

Deno.test("handler answers 400 with the reason for a malformed body, before any claim", async () => {
  const { handler, store } = setup();
  const cases: [string, RegExp][] = [
    ["{not json", /not valid JSON/],
    ['{"wallet_id": 12}', /wallet_id must be a uuid string/],
    ['{"wallet_id": "abc"}', /not a valid uuid/],
    ['{"everything": true}', /unknown field "everything"/],
    [JSON.stringify({ wallet_balance_ids: Array(1001).fill(RUN) }), /at most 1000/],
  ];
  for (const [body, pattern] of cases) {
    const response = await handler(request({ body }));
    assert.equal(response.status, 400, body.slice(0, 40));
    const answer = await response.json();
    assert.match(answer.error, pattern);
    assert.equal(answer.run_id, RUN);
  }
  assert.equal(store.calls.length, 0);
});

Deno.test("handler answers 503 with the run id and no stack when the database is down", async () => {
  const { handler, store, logs } = setup();
  const failure = new StoreUnavailable("balance_sync_claim", "TypeError: fetch failed", "", 0);
  failure.stack = `StoreUnavailable: at secret place ${SERVICE_ROLE}`;
  store.failOn.claim = failure;
  const response = await handler(request());
  assert.equal(response.status, 503);
  const text = await response.text();
  assert.deepEqual(JSON.parse(text), { error: "database unavailable", run_id: RUN });
  const errorLine = logs.map((l) => JSON.parse(l)).find((l) => l.level === "error");
  assert.equal(errorLine.msg, "Database unavailable");
  assert.equal(errorLine.operation, "balance_sync_claim");
  assert.ok(!logs.join("\n").includes("secret place"), "no stack in the log");
});

Deno.test("handler answers 500 with the run id when the run breaks unexpectedly", async () => {
  const { handler, store } = setup();
  store.failOn.claim = new Error("bug");
  const response = await handler(request());
  assert.equal(response.status, 500);
  assert.deepEqual(await response.json(), { error: "internal error", run_id: RUN });
});

Deno.test("handler answers 404 naming what does not exist, with the field and the run id", async () => {
  const MISSING = "00000000-0000-4000-8000-00000000dead";
  const { handler, store, logs } = setup();
  store.failOn.claim = new FilterNotFound(`wallet ${MISSING} does not exist`, "wallet_id");
  const response = await handler(request({ body: JSON.stringify({ wallet_id: MISSING }) }));
  assert.equal(response.status, 404);
  assert.deepEqual(await response.json(), {
    error: `wallet ${MISSING} does not exist`,
    field: "wallet_id",
    run_id: RUN,
  });
  assert.equal(store.lockedRows().length, 0, "nothing leased");
  assert.deepEqual(store.ops(), ["run_settings", "claim"], "no record or release");
  const warn = logs.map((l) => JSON.parse(l)).find((l) => l.level === "warn");
  assert.equal(warn?.field, "wallet_id");
});

// Request bodies and credentials beyond request.test.ts and auth.test.ts, through the whole
// handler: the answer, the log line and "no database call" checked together.
const uuid = () => crypto.randomUUID();

const BODY_CASES: [string, unknown, RegExp][] = [
  ["wallet_id is a boolean", { wallet_id: true }, /wallet_id must be a uuid string, got a boolean/],
  ["wallet_id is an object", { wallet_id: { id: uuid() } }, /got a object/],
  ["chain_id is an array", { chain_id: [uuid()] }, /chain_id must be a uuid string, got an array/],
  [
    "wallet_balance_ids is a string",
    { wallet_balance_ids: uuid() },
    /wallet_balance_ids must be an array of uuid strings, got a string/,
  ],
  [
    "wallet_balance_ids holds a nested array",
    { wallet_balance_ids: [[uuid()]] },
    /wallet_balance_ids\[0\] must be a uuid string, got an array/,
  ],
  [
    "10,000 wallet_balance_ids",
    { wallet_balance_ids: Array.from({ length: 10_000 }, uuid) },
    /body is larger than 65536 bytes/,
  ],
  [
    "SQL after a valid uuid in chain_id",
    { chain_id: `${uuid()}' or '1'='1` },
    /chain_id is not a valid uuid/,
  ],
  [
    "SQL as a field name",
    { "wallet_id = wallet_id; drop table public.chains; --": uuid() },
    /unknown field "wallet_id = wallet_id; drop table public.chains; --"/,
  ],
  [
    "unknown field next to a valid one",
    { wallet_id: uuid(), force: true },
    /unknown field "force"; allowed: wallet_id, wallet_balance_ids, asset_on_chain_id, chain_id/,
  ],
  [
    "a 10,000-character field name is clipped in the message",
    { ["x".repeat(10_000)]: 1 },
    /^unknown field "x{64}"; allowed/,
  ],
  ["10,000 levels of nesting", "[".repeat(10_000) + "]".repeat(10_000), /got an array/],
];

Deno.test("handler: each bad body gets 400 with the reason and a run id, in a short answer, without a database call", async () => {
  const { handler, store } = setup();
  for (const [name, body, error] of BODY_CASES) {
    const text = typeof body === "string" ? body : JSON.stringify(body);
    const response = await handler(
      request({ headers: { [SYNC_SECRET_HEADER]: SYNC }, body: text }),
    );
    const answer = await response.text();
    assert.equal(response.status, 400, name);
    assert.ok(answer.length <= 1_000, `${name}: ${answer.length} bytes`);
    const parsed = JSON.parse(answer);
    assert.match(parsed.error, error, name);
    assert.equal(parsed.run_id, RUN, name);
  }
  assert.equal(store.calls.length, 0, "no refused body reached the database");
});

/** `value` with the character at `index` replaced by another of the same class. */
function oneCharChanged(value: string, index: number): string {
  const i = index < 0 ? value.length + index : index;
  const c = value[i];
  const replacement = /[0-9]/.test(c) ? (c === "0" ? "1" : "0") : c === "a" ? "b" : "a";
  return value.slice(0, i) + replacement + value.slice(i + 1);
}

Deno.test("handler: a credential one step away from an accepted one gets 401 with WWW-Authenticate and a log line, without a database call", async () => {
  const { handler, store, logs } = setup();
  const sync = (value: string) => ({ [SYNC_SECRET_HEADER]: value });
  const refused: [string, Record<string, string>][] = [
    ["sync secret, first character changed", sync(oneCharChanged(SYNC, 0))],
    ["sync secret, a middle character changed", sync(oneCharChanged(SYNC, 20))],
    ["sync secret without its last character", sync(SYNC.slice(0, -1))],
    ["sync secret with one character more", sync(`${SYNC}0`)],
    ["sync secret in upper case", sync(SYNC.toUpperCase())],
    ["sync secret as bearer", { authorization: `Bearer ${SYNC}` }],
    ["service-role key, a payload character changed", {
      authorization: `Bearer ${oneCharChanged(SERVICE_ROLE, 30)}`,
    }],
    ["secret key, last character changed, as apikey", { apikey: oneCharChanged(SECRET_KEY, -1) }],
  ];
  for (const [what, headers] of refused) {
    const response = await handler(
      request({ headers, body: JSON.stringify({ wallet_id: uuid() }) }),
    );
    assert.equal(response.status, 401, what);
    assert.equal(await response.text(), '{"error":"unauthorized"}', what);
    assert.equal(response.headers.get("www-authenticate"), "Bearer", what);
  }
  const rejected = logs.filter((l) =>
    JSON.parse(l).msg === "Rejected a request without a valid credential"
  );
  assert.equal(rejected.length, refused.length, "one log line per refusal");
  assert.equal(store.calls.length, 0, "no refused request reached the database");
});
