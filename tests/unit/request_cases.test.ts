/**
 * Request bodies and credentials the handler refuses, beyond function_request.test.ts and
 * function_auth.test.ts: each case through the whole handler, so the answer (status, message, run
 * id, size, WWW-Authenticate), the log line and "no database call" are checked together. The
 * reliability suite keeps a few of them end to end (tests/reliability/inputs_and_auth.test.ts).
 */
import assert from "node:assert/strict";
import { loadConfig } from "../../supabase/functions/balance-sync/config.ts";
import { createHandler } from "../../supabase/functions/balance-sync/handler.ts";
import { SYNC_SECRET_HEADER } from "../../supabase/functions/balance-sync/auth.ts";
import { chain, FakeReaders, FakeStore, row } from "./function_fakes.ts";

const SERVICE_ROLE = "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.sig-service-role";
const SECRET_KEY = "sb_secret_0123456789abcdefghij";
const SYNC = "sync_0123456789abcdef0123456789abcdef0123456789ab";
const RUN = "2e4c6a8b-1d3f-4a5b-9c7d-0e1f2a3b4c5d";
const uuid = () => crypto.randomUUID();

function setup() {
  const config = loadConfig((name) =>
    ({
      SUPABASE_URL: "http://127.0.0.1:1",
      SUPABASE_SERVICE_ROLE_KEY: SERVICE_ROLE,
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: SECRET_KEY }),
      BALANCE_SYNC_SECRET: SYNC,
    })[name]
  );
  const store = new FakeStore([chain("bsc", "evm")], [row("bsc", { address: "0xa" })]);
  const logs: string[] = [];
  const handler = createHandler({
    config,
    store,
    readers: new FakeReaders().registry,
    logSink: (line) => logs.push(line),
    newRunId: () => RUN,
  });
  return { handler, store, logs };
}

const post = (headers: Record<string, string>, body: BodyInit) =>
  new Request("http://function.local/functions/v1/balance-sync", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });

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
    const response = await handler(post({ [SYNC_SECRET_HEADER]: SYNC }, text));
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
    const response = await handler(post(headers, JSON.stringify({ wallet_id: uuid() })));
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
