/**
 * The pg_net stand-in (SQL queue + dispatcher) behaves like pg_net for its callers: requests go
 * out after commit, once, with the queued method, headers, body and timeout, and the outcome lands
 * in net._http_response in the real worker's shape.
 */
import assert from "node:assert/strict";
import { startNetDispatcher } from "../../stack/standins/net_dispatcher.ts";
import { refusedUrl } from "../../stack/reserved_port.ts";
import { sharedCluster } from "../../stack/pg.ts";
import { waitFor } from "../support/wait.ts";

const cluster = sharedCluster();
const opts = { sanitizeResources: false, sanitizeOps: false };

interface Seen {
  method: string;
  path: string;
  headers: Headers;
  body: string;
}

function startEcho(handler?: (request: Request) => Promise<Response> | Response) {
  const seen: Seen[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = await req.text();
    seen.push({ method: req.method, path: new URL(req.url).pathname, headers: req.headers, body });
    return handler ? handler(req) : Response.json({ ok: true, echoed: body }, { status: 201 });
  });
  return { url: `http://127.0.0.1:${server.addr.port}`, seen, stop: () => server.shutdown() };
}

const until = <T>(what: string, probe: () => Promise<T | null | undefined>) =>
  waitFor(what, probe, 15_000, 50);

async function freshDatabase(name: string) {
  const c = await cluster();
  const url = await c.createDatabase(name);
  const sql = c.connect(name);
  await sql`create extension pg_net`;
  return { url, sql };
}

interface EchoSetup {
  sql: Awaited<ReturnType<typeof freshDatabase>>["sql"];
  echo: ReturnType<typeof startEcho>;
  dispatcher: ReturnType<typeof startNetDispatcher>;
}

/**
 * A test on a fresh database `name` with pg_net, an echo server (answering with `handler`) and a
 * dispatcher polling every `intervalMs`; both stopped however the test ends.
 */
function echoTest(
  title: string,
  name: string,
  setup: { intervalMs: number; handler?: Parameters<typeof startEcho>[0] },
  fn: (t: EchoSetup) => Promise<void>,
): void {
  Deno.test(title, opts, async () => {
    const { url, sql } = await freshDatabase(name);
    const echo = startEcho(setup.handler);
    const dispatcher = startNetDispatcher({ databaseUrl: url, intervalMs: setup.intervalMs });
    try {
      await fn({ sql, echo, dispatcher });
    } finally {
      await dispatcher.stop();
      await echo.stop();
    }
  });
}

echoTest(
  "dispatcher performs a committed net.http_post and records the answer",
  "net_post",
  { intervalMs: 50 },
  async ({ sql, echo, dispatcher }) => {
    const [{ id }] = await sql`
    select net.http_post(
      url := ${echo.url + "/hook"},
      body := '{"hello": "world"}'::jsonb,
      headers := '{"Content-Type": "application/json", "x-secret": "s3cret-value"}'::jsonb,
      timeout_milliseconds := 4000) as id`;
    const response = await until(
      "the response row",
      async () => (await sql`select * from net._http_response where id = ${id}`)[0],
    );
    assert.equal(echo.seen.length, 1);
    assert.equal(echo.seen[0].method, "POST");
    assert.equal(echo.seen[0].path, "/hook");
    assert.equal(echo.seen[0].headers.get("x-secret"), "s3cret-value");
    assert.equal(echo.seen[0].headers.get("user-agent"), "pg_net/0.19.5");
    assert.deepEqual(JSON.parse(echo.seen[0].body), { hello: "world" });
    assert.equal(response.status_code, 201);
    assert.equal(response.timed_out, false);
    assert.equal(response.error_msg, null);
    assert.match(response.content_type, /application\/json/);
    assert.deepEqual(JSON.parse(response.content), { ok: true, echoed: '{"hello": "world"}' });
    assert.equal(typeof response.headers, "object");
    const [{ queued }] = await sql`select count(*)::int as queued from net.http_request_queue`;
    assert.equal(queued, 0);
    assert.equal(dispatcher.delivered, 1);
  },
);

echoTest(
  "dispatcher sends nothing for a rolled-back transaction and waits for the commit",
  "net_commit",
  { intervalMs: 20 },
  async ({ sql, echo }) => {
    await sql.begin(async (tx) => {
      await tx`select net.http_get(${echo.url + "/rolled-back"})`;
      await tx`select pg_sleep(0.3)`;
      throw new Error("roll back");
    }).catch(() => {});
    let committedId = "";
    await sql.begin(async (tx) => {
      [{ id: committedId }] = await tx`select net.http_get(${echo.url + "/committed"})::text as id`;
      await tx`select pg_sleep(0.3)`;
      assert.equal(echo.seen.length, 0, "a request went out before its transaction committed");
    });
    await until(
      "the committed request's response",
      async () => (await sql`select 1 from net._http_response where id = ${committedId}`)[0],
    );
    assert.deepEqual(echo.seen.map((s) => s.path), ["/committed"]);
  },
);

echoTest(
  "dispatcher gives up after timeout_milliseconds and marks the response timed out",
  "net_timeout",
  {
    intervalMs: 20,
    handler: () => new Promise((resolve) => setTimeout(() => resolve(new Response("late")), 1000)),
  },
  async ({ sql, echo }) => {
    const [{ id }] = await sql`
    select net.http_post(${echo.url}, '{}'::jsonb, timeout_milliseconds := 200) as id`;
    const response = await until(
      "the timeout row",
      async () => (await sql`select * from net._http_response where id = ${id}`)[0],
    );
    assert.equal(response.timed_out, true);
    assert.equal(response.status_code, null);
    assert.match(response.error_msg, /^Timeout of 200 ms reached\. Total time: /);
  },
);

Deno.test("dispatcher records curl's message when nothing listens", opts, async () => {
  const { url, sql } = await freshDatabase("net_refused");
  const dispatcher = startNetDispatcher({ databaseUrl: url, intervalMs: 20 });
  try {
    const [{ id }] = await sql`
      select net.http_post(${`${refusedUrl()}/x`}, '{}'::jsonb) as id`;
    const response = await until(
      "the failure row",
      async () => (await sql`select * from net._http_response where id = ${id}`)[0],
    );
    assert.equal(response.status_code, null);
    assert.equal(response.timed_out, false);
    assert.equal(response.error_msg, "Couldn't connect to server");
  } finally {
    await dispatcher.stop();
  }
});
