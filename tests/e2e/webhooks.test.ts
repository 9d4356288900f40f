/**
 * Webhooks for balance changes, end to end: the function (served over HTTP) delivers the change log
 * to a real HTTP receiver that verifies every delivery with the Standard Webhooks library. A tick
 * is one POST {"webhooks": true}, as the job balance-sync-webhooks sends it.
 */
import assert from "node:assert/strict";
import { Webhook } from "standardwebhooks";
import type { Sql } from "../../stack/pg.ts";
import type { Stack } from "../../stack/stack.ts";
import { sharedStack, stackTest } from "./fixture.ts";
import { newWebhookSecret, type Receiver, startReceiver } from "../../stack/webhook_receiver.ts";

const getStack = sharedStack();

async function setSetting(sql: Sql, key: string, value: unknown): Promise<void> {
  await sql`update balance_sync.settings set value = ${JSON.stringify(value)}::text::jsonb
            where key = ${key}`;
}

const DEFAULTS: Record<string, unknown> = {
  webhook_batch_size: 500,
  webhook_backoff_base_seconds: 30,
  webhook_backoff_max_seconds: 3600,
  webhook_disable_after: "3 days",
  webhook_allow_http: true,
  webhook_allow_private_addresses: true,
};

/** A clean slate: no endpoint, no change, default settings but local receivers allowed. */
async function reset(stack: Stack, settings: Record<string, unknown> = {}): Promise<void> {
  await stack.sql`delete from balance_sync.webhook_endpoints`;
  await stack.sql`delete from balance_sync.balance_changes`;
  await stack.sql`delete from balance_sync.run_totals where metric like 'webhook_%'`;
  for (const [key, value] of Object.entries({ ...DEFAULTS, ...settings })) {
    await setSetting(stack.sql, key, value);
  }
}

let secretCount = 0;
/** A Vault secret with a fresh name; returns the name and the value. */
async function vaultSecret(sql: Sql, value = newWebhookSecret()) {
  const name = `webhook_test_${Date.now()}_${++secretCount}`;
  await sql`select vault.create_secret(${value}, ${name})`;
  return { name, value };
}

interface ChangeSeed {
  chainId?: string;
  walletId?: string;
  assetOnChainId?: string;
}

/** Inserts `count` change rows (as record writes them), returns their ids in order. */
async function insertChanges(sql: Sql, count: number, seed: ChangeSeed = {}): Promise<number[]> {
  const rows = await sql`
    insert into balance_sync.balance_changes (
      wallet_balance_id, wallet_id, asset_on_chain_id, chain_id, previous_raw, previous_human,
      new_raw, new_human, delta_raw, delta_human, previous_block, block, observed_at, run_id)
    select gen_random_uuid(), ${seed.walletId ?? null}::uuid, ${seed.assetOnChainId ?? null}::uuid,
           ${seed.chainId ?? null}::uuid, 1, 0.000000000000000001,
           (12345678901234567890123 + g)::numeric, (12345.678901234567890123 + g)::numeric,
           (12345678901234567890122 + g)::numeric, (12345.678901234567890122 + g)::numeric,
           9007199254740993, 9007199254740995, clock_timestamp(), 'run-test'
    from generate_series(1, ${count}::int) as g
    order by g
    returning id`;
  return rows.map((r) => Number(r.id));
}

async function createEndpoint(
  sql: Sql,
  url: string,
  secretName: string,
  filter: { chains?: string[]; wallets?: string[]; assets?: string[] } = {},
): Promise<string> {
  const [row] = await sql`
    select balance_sync.webhook_create(${url}, ${secretName}, ${filter.chains ?? null}::uuid[],
      ${filter.wallets ?? null}::uuid[], ${filter.assets ?? null}::uuid[], 0) as id`;
  return row.id as string;
}

async function tick(stack: Stack) {
  const response = await stack.fn!.call({ webhooks: true });
  assert.equal(response.status, 200, response.text);
  return response.body;
}

async function status(sql: Sql, id: string) {
  const [row] = await sql`select * from balance_sync.webhook_status where id = ${id}`;
  return row;
}

/** Runs `fn` with a receiver and stops the receiver afterwards. */
async function withReceiver(secret: string, fn: (r: Receiver) => Promise<void>): Promise<void> {
  const receiver = startReceiver(secret);
  try {
    await fn(receiver);
  } finally {
    await receiver.stop();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Delivering {
  stack: Stack;
  secret: { name: string; value: string };
  receiver: Receiver;
  /** The endpoint made for `receiver`, with no filter. */
  endpoint: string;
}

/**
 * A delivery test: a clean slate with `settings`, a fresh Vault secret, and a running receiver
 * that one endpoint (no filter) sends to.
 */
function deliveryTest(
  name: string,
  settings: Record<string, unknown>,
  fn: (t: Delivering) => Promise<void>,
): void {
  stackTest(name, async () => {
    const stack = await getStack();
    await reset(stack, settings);
    const secret = await vaultSecret(stack.sql);
    await withReceiver(secret.value, async (receiver) => {
      const endpoint = await createEndpoint(stack.sql, receiver.url, secret.name);
      await fn({ stack, secret, receiver, endpoint });
    });
  });
}

deliveryTest(
  "webhooks: every change arrives once, in id order, in signed batches of at most webhook_batch_size, exact decimal strings",
  {},
  async ({ stack, receiver, endpoint }) => {
    const ids = await insertChanges(stack.sql, 1200);
    const summary = await tick(stack);
    assert.equal(summary.batches_delivered, 3);
    assert.equal(summary.changes_delivered, 1200);
    assert.deepEqual(receiver.deliveries.map((d) => d.ids.length), [500, 500, 200]);
    assert.ok(receiver.deliveries.every((d) => d.verified), "every delivery verifies");
    assert.deepEqual(receiver.deliveries.flatMap((d) => d.ids), ids);
    assert.equal(new Set(receiver.deliveries.map((d) => d.webhookId)).size, 3);
    // the rows exactly as balance_sync_changes_since returns them
    const first = JSON.parse(receiver.deliveries[0].body);
    assert.equal(first.type, "balance_sync.changes");
    const expected = await stack.sql`
    select c from public.balance_sync_changes_since(0, 500) as c`;
    assert.deepEqual(first.data.changes, expected.map((r) => r.c));
    assert.equal(first.data.changes[0].new_raw, "12345678901234567890124");
    assert.equal(first.data.changes[0].block, "9007199254740995");
    const s = await status(stack.sql, endpoint);
    assert.equal(Number(s.cursor), ids[ids.length - 1]);
    assert.equal(Number(s.lag_changes), 0);
    assert.equal(s.last_status, 200);
    // nothing new: the next tick sends nothing
    const again = await tick(stack);
    assert.equal(again.endpoints, 0);
    assert.equal(receiver.deliveries.length, 3);
  },
);

deliveryTest(
  "webhooks: a batch answered 500 is sent again with the same webhook-id and body after the backoff, then the cursor moves",
  { webhook_backoff_base_seconds: 1 },
  async ({ stack, receiver, endpoint }) => {
    const ids = await insertChanges(stack.sql, 3);
    receiver.answer = () => receiver.deliveries.length === 0 ? 500 : 200;
    const failed = await tick(stack);
    assert.equal(failed.failed, 1);
    let s = await status(stack.sql, endpoint);
    assert.equal(s.last_status, 500);
    assert.equal(Number(s.cursor), 0, "the cursor stays before the batch");
    assert.equal(s.failures, 1);
    assert.ok(s.next_attempt_at.getTime() > Date.now(), "the retry waits for the backoff");
    // within the backoff a tick sends nothing
    await tick(stack);
    assert.equal(receiver.deliveries.length, 1);
    // more changes meanwhile do not change the pending batch
    const later = await insertChanges(stack.sql, 2);
    await sleep(1100);
    await tick(stack);
    const [first, second, third] = receiver.deliveries;
    assert.equal(second.webhookId, first.webhookId, "same webhook-id on the retry");
    assert.equal(second.body, first.body, "same body on the retry");
    assert.deepEqual(second.ids, ids);
    assert.equal(second.status, 200);
    assert.deepEqual(third.ids, later, "the next batch follows in order");
    assert.notEqual(third.webhookId, first.webhookId);
    s = await status(stack.sql, endpoint);
    assert.equal(Number(s.cursor), later[1]);
    assert.equal(s.failures, 0);
  },
);

deliveryTest(
  "webhooks: receiver down for 10 ticks: attempts follow the exponential backoff, nothing is lost, all arrives after recovery",
  { webhook_backoff_base_seconds: 0.4, webhook_backoff_max_seconds: 1.2 },
  async ({ stack, receiver, endpoint }) => {
    // 0.4 s, 0.8 s, then capped at 1.2 s
    await receiver.stop(); // connections refused
    const ids = await insertChanges(stack.sql, 700);
    const attempts: { at: number; next: number }[] = [];
    for (let i = 0; i < 10; i++) {
      const before = await status(stack.sql, endpoint);
      await tick(stack);
      const after = await status(stack.sql, endpoint);
      if (after.failures !== before.failures) {
        attempts.push({
          at: after.last_attempt_at.getTime(),
          next: after.next_attempt_at.getTime(),
        });
        assert.equal(after.last_status, null);
        assert.match(after.last_error, /./);
      }
      ids.push(...await insertChanges(stack.sql, 10));
      await sleep(300);
    }
    assert.ok(attempts.length >= 4 && attempts.length < 10, `attempts: ${attempts.length}`);
    const waits = attempts.map((a) => (a.next - a.at) / 1000);
    const expected = waits.map((_, i) => Math.min(1.2, 0.4 * 2 ** i));
    waits.forEach((w, i) => assert.ok(Math.abs(w - expected[i]) < 0.05, `wait ${i}: ${w}`));
    // no attempt before the time the previous one set
    for (let i = 1; i < attempts.length; i++) {
      assert.ok(attempts[i].at >= attempts[i - 1].next, `attempt ${i} came early`);
    }
    const s = await status(stack.sql, endpoint);
    assert.equal(Number(s.cursor), 0);
    assert.ok(Number(s.lag_changes) >= 800);
    receiver.start();
    await sleep(1300);
    await tick(stack);
    assert.deepEqual(receiver.deliveries.flatMap((d) => d.ids), ids);
    assert.ok(receiver.deliveries.every((d) => d.verified && d.ids.length <= 500));
    const done = await status(stack.sql, endpoint);
    assert.equal(Number(done.lag_changes), 0);
    assert.equal(done.failures, 0);
  },
);

deliveryTest(
  "webhooks: a run that died holding an endpoint mid-batch loses nothing: after its lease the same batch goes with the same webhook-id",
  {},
  async ({ stack, receiver, endpoint }) => {
    const ids = await insertChanges(stack.sql, 5);
    // a run leases the endpoint (1 s) and forms the batch, then dies before answering
    const [claimed] = await stack
      .sql`select public.balance_sync_webhook_claim('dead-run', 1) as ids`;
    assert.deepEqual(claimed.ids, [endpoint]);
    const [formed] = await stack.sql`
    select public.balance_sync_webhook_batch(${endpoint}, 'dead-run') ->> 'webhook_id' as id`;
    await tick(stack);
    assert.equal(receiver.deliveries.length, 0, "the live lease keeps other runs away");
    await sleep(1100);
    await tick(stack);
    assert.equal(receiver.deliveries.length, 1);
    assert.equal(receiver.deliveries[0].webhookId, formed.id);
    assert.deepEqual(receiver.deliveries[0].ids, ids);
    // the dead run's late answer changes nothing
    const [late] = await stack.sql`
    select public.balance_sync_webhook_result(${endpoint}, 'dead-run', ${formed.id}, 200) as r`;
    assert.equal(late.r.accepted, false);
    assert.equal(Number((await status(stack.sql, endpoint)).cursor), ids[4]);
  },
);

deliveryTest(
  "webhooks: a forged or altered delivery fails verification, and a replay outside the tolerance window is refused by the library",
  {},
  async ({ stack, secret, receiver }) => {
    await insertChanges(stack.sql, 2);
    await tick(stack);
    const [d] = receiver.deliveries;
    assert.ok(d.verified);
    const headers = {
      "webhook-id": d.webhookId,
      "webhook-timestamp": d.timestamp,
      "webhook-signature": d.signature,
    };
    const receiverLib = new Webhook(secret.value);
    assert.doesNotThrow(() => receiverLib.verify(d.body, headers));
    // another key (a forger's)
    assert.throws(() => new Webhook(newWebhookSecret()).verify(d.body, headers));
    // the body altered
    assert.throws(() =>
      receiverLib.verify(d.body.replace("12345678901234567890124", "9"), headers)
    );
    // the id altered (a replay under another id)
    assert.throws(() => receiverLib.verify(d.body, { ...headers, "webhook-id": "msg_other" }));
    // the same delivery replayed 6 minutes later: outside the library's 5-minute tolerance
    const realNow = Date.now;
    Date.now = () => realNow() + 6 * 60 * 1000;
    try {
      assert.throws(() => receiverLib.verify(d.body, headers), /timestamp/i);
    } finally {
      Date.now = realNow;
    }
  },
);

stackTest(
  "webhooks: SSRF and scheme refusals when an endpoint is created, and again at delivery",
  async () => {
    const stack = await getStack();
    await reset(stack, { webhook_allow_http: false, webhook_allow_private_addresses: false });
    const secret = await vaultSecret(stack.sql);
    const refused = [
      ["http://example.com/hook", /http:\/\/ is refused/],
      ["https://127.0.0.1/hook", /loopback, private/],
      ["https://10.1.2.3/hook", /loopback, private/],
      ["https://192.168.1.1/hook", /loopback, private/],
      ["https://172.20.0.1/hook", /loopback, private/],
      ["https://169.254.169.254/latest/meta-data", /loopback, private/],
      ["https://[::1]/hook", /loopback, private/],
      ["https://[fe80::1]/hook", /loopback, private/],
      ["https://[::ffff:127.0.0.1]/hook", /loopback, private/],
      ["https://localhost/hook", /local name/],
      ["https://metadata.google.internal/computeMetadata/v1/", /local name/],
      ["https://2130706433/hook", /non-standard form/],
      ["https://0x7f.1/hook", /non-standard form/],
      ["https://user:pass@example.com/hook", /credentials/],
      ["ftp://example.com/hook", /scheme/],
    ] as const;
    for (const [url, why] of refused) {
      await assert.rejects(
        stack.sql`select balance_sync.webhook_create(${url}, ${secret.name})`,
        (e: Error) => why.test(e.message),
        url,
      );
    }
    const ok = await stack
      .sql`select balance_sync.webhook_create('https://hooks.example.com/x', ${secret.name}) as id`;
    assert.ok(ok[0].id);
    // a secret that is missing, or not whsec_<base64>, is refused without being shown
    await assert.rejects(
      stack
        .sql`select balance_sync.webhook_create('https://hooks.example.com/x', 'no_such_secret')`,
      /no Vault secret named 'no_such_secret'/,
    );
    const weak = await vaultSecret(stack.sql, "not-base64-!!");
    await assert.rejects(
      stack.sql`select balance_sync.webhook_create('https://hooks.example.com/x', ${weak.name})`,
      (e: Error) => /not whsec_/.test(e.message) && !e.message.includes("not-base64-!!"),
    );

    // At delivery: an endpoint made while local addresses were allowed is not sent to once they
    // are not (the function checks each delivery again).
    await stack.sql`delete from balance_sync.webhook_endpoints`;
    await reset(stack);
    await withReceiver(secret.value, async (receiver) => {
      const endpoint = await createEndpoint(stack.sql, receiver.url, secret.name);
      await insertChanges(stack.sql, 1);
      await setSetting(stack.sql, "webhook_allow_private_addresses", false);
      const summary = await tick(stack);
      assert.equal(summary.failed, 1);
      assert.equal(receiver.deliveries.length, 0, "nothing reached the receiver");
      const s = await status(stack.sql, endpoint);
      assert.match(s.last_error, /not sent: the address 127\.0\.0\.1 is loopback/);
      const [m] = await stack.sql`select balance_sync.webhook_metrics() as t`;
      assert.match(m.t, /balance_sync_webhook_deliveries_total\{result="refused"\} 1\n/);
    });
  },
);

stackTest(
  "webhooks: filters by chain, wallet and asset_on_chain deliver exactly the matching changes, and the cursor passes the rest",
  async () => {
    const stack = await getStack();
    await reset(stack, { webhook_batch_size: 7 });
    const secret = await vaultSecret(stack.sql);
    const [chainA, chainB, walletA, walletB, aocA] = Array.from(
      { length: 5 },
      () => crypto.randomUUID(),
    );
    await withReceiver(secret.value, async (receiver) => {
      const byChain = await createEndpoint(stack.sql, receiver.url + "?chain", secret.name, {
        chains: [chainA],
      });
      const byWallet = await createEndpoint(stack.sql, receiver.url + "?wallet", secret.name, {
        wallets: [walletB],
      });
      const byBoth = await createEndpoint(stack.sql, receiver.url + "?both", secret.name, {
        chains: [chainA],
        assets: [aocA],
      });
      const a1 = await insertChanges(stack.sql, 10, { chainId: chainA, walletId: walletA });
      const b1 = await insertChanges(stack.sql, 5, { chainId: chainB, walletId: walletB });
      const a2 = await insertChanges(stack.sql, 4, {
        chainId: chainA,
        walletId: walletB,
        assetOnChainId: aocA,
      });
      const other = await insertChanges(stack.sql, 20, { chainId: chainB, walletId: walletA });
      const byUrl = new Map<string, number[]>();
      receiver.answer = () => 200;
      // the receiver cannot see the query string in Delivery: tell endpoints apart by payload
      await tick(stack);
      for (const d of receiver.deliveries) {
        const p = JSON.parse(d.body);
        const key = p.data.endpoint_id as string;
        byUrl.set(key, [...(byUrl.get(key) ?? []), ...d.ids]);
      }
      assert.deepEqual(byUrl.get(byChain), [...a1, ...a2]);
      assert.deepEqual(byUrl.get(byWallet), [...b1, ...a2]);
      assert.deepEqual(byUrl.get(byBoth), a2);
      assert.ok(receiver.deliveries.every((d) => d.verified && d.ids.length <= 7));
      const head = other[other.length - 1];
      for (const id of [byChain, byWallet, byBoth]) {
        assert.equal(
          Number((await status(stack.sql, id)).cursor),
          head,
          "the cursor reaches the head",
        );
      }
    });
  },
);

deliveryTest(
  "webhooks: an endpoint failing for webhook_disable_after is disabled with the reason, and retention never deletes what an enabled endpoint has not received",
  { webhook_backoff_base_seconds: 0.2, webhook_disable_after: "1 second" },
  async ({ stack, secret, receiver, endpoint: failing }) => {
    receiver.answer = () => 503;
    const ids = await insertChanges(stack.sql, 6);
    // old enough for the retention (30 days)
    await stack
      .sql`update balance_sync.balance_changes set observed_at = now() - interval '40 days'`;

    // retention: the enabled endpoint has received nothing, so nothing is deleted
    const [held] = await stack.sql`select balance_sync.prune_balance_changes() as n`;
    assert.equal(Number(held.n), 0);

    await tick(stack);
    let s = await status(stack.sql, failing);
    assert.equal(s.enabled, true);
    await sleep(1100);
    await tick(stack);
    s = await status(stack.sql, failing);
    assert.equal(s.enabled, false);
    assert.match(
      s.disabled_reason,
      /^failing since .* \(2 attempts without a 2xx answer; last: HTTP 503\)$/,
    );
    assert.equal(s.next_attempt_at, null);
    const sent = receiver.deliveries.length;
    await sleep(300);
    await tick(stack);
    assert.equal(receiver.deliveries.length, sent, "a disabled endpoint gets nothing");

    // a healthy endpoint that has received the first 4 holds only the last 2
    receiver.answer = () => 200;
    const healthy = await createEndpoint(stack.sql, receiver.url, secret.name);
    await stack.sql`update balance_sync.webhook_endpoints set delivered_through = ${ids[3]}
                  where id = ${healthy}`;
    const [pruned] = await stack.sql`select balance_sync.prune_balance_changes() as n`;
    assert.equal(Number(pruned.n), 4);
    const left = await stack.sql`select id from balance_sync.balance_changes order by id`;
    assert.deepEqual(left.map((r) => Number(r.id)), ids.slice(4));

    // enabled again, it starts afresh from its cursor
    await stack.sql`select balance_sync.webhook_enable(${failing})`;
    s = await status(stack.sql, failing);
    assert.equal(s.enabled, true);
    assert.equal(s.disabled_reason, null);
    assert.equal(s.failures, 0);
  },
);

deliveryTest(
  "webhooks: 10,000 changes recorded in one tick arrive complete, in order, in 20 batches, in the next tick",
  {},
  async ({ stack, receiver, endpoint }) => {
    const ids = await insertChanges(stack.sql, 10_000);
    const started = Date.now();
    const summary = await tick(stack);
    const elapsed = Date.now() - started;
    assert.equal(summary.changes_delivered, 10_000);
    assert.equal(receiver.deliveries.length, 20);
    assert.ok(receiver.deliveries.every((d) => d.verified && d.ids.length === 500));
    assert.deepEqual(receiver.deliveries.flatMap((d) => d.ids), ids);
    assert.equal(Number((await status(stack.sql, endpoint)).lag_changes), 0);
    console.log(JSON.stringify({ webhook_10k_tick_ms: elapsed }));
  },
);

stackTest(
  "webhooks: endpoint management and delivery RPCs are service_role only; metrics count deliveries and lag",
  async () => {
    const stack = await getStack();
    await reset(stack);
    const secret = await vaultSecret(stack.sql);
    for (const role of ["anon", "authenticated"]) {
      for (
        const call of [
          `select balance_sync.webhook_create('https://hooks.example.com', '${secret.name}')`,
          `select public.balance_sync_webhook_batch(gen_random_uuid(), 'x')`,
          `select public.balance_sync_webhook_claim('x')`,
          `select * from balance_sync.webhook_status`,
        ]
      ) {
        await assert.rejects(
          stack.sql.begin(async (tx) => {
            await tx.unsafe(`set local role ${role}`);
            await tx.unsafe(call);
          }),
          /permission denied/,
          `${role}: ${call}`,
        );
      }
    }
    // service_role may (rolled back by the thrown marker, which is the only error expected)
    await assert.rejects(
      stack.sql.begin(async (tx) => {
        await tx.unsafe("set local role service_role");
        await tx.unsafe(
          `select balance_sync.webhook_create('https://hooks.example.com', '${secret.name}')`,
        );
        await tx.unsafe("select * from balance_sync.webhook_status");
        throw new Error("roll back");
      }),
      /roll back/,
    );
    await withReceiver(secret.value, async (receiver) => {
      const endpoint = await createEndpoint(stack.sql, receiver.url, secret.name);
      await insertChanges(stack.sql, 3);
      let [m] = await stack.sql`select public.balance_sync_metrics() as t`;
      assert.match(
        m.t,
        new RegExp(
          `balance_sync_webhook_lag_changes\\{endpoint_id="${endpoint}",enabled="true"\\} 3\\n`,
        ),
      );
      await tick(stack);
      [m] = await stack.sql`select public.balance_sync_metrics() as t`;
      assert.match(m.t, /balance_sync_webhook_deliveries_total\{result="success"\} 1\n/);
      assert.match(m.t, /balance_sync_webhook_changes_delivered_total 3\n/);
      assert.match(
        m.t,
        new RegExp(
          `balance_sync_webhook_lag_changes\\{endpoint_id="${endpoint}",enabled="true"\\} 0\\n`,
        ),
      );
      // the status view and the metrics never show the secret
      const rows = await stack
        .sql`select to_jsonb(s)::text as t from balance_sync.webhook_status as s`;
      assert.ok(rows.every((r) => !r.t.includes(secret.value.slice(6, 20))));
      assert.ok(!m.t.includes(secret.value.slice(6, 20)));
    });
  },
);
