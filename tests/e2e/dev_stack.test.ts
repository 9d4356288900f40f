/**
 * `deno task dev` as a newcomer uses it: it comes up with the seeded demo, a force-sync through
 * the gateway syncs the demo wallets, `dev:transfer` moves funds that the next sync sees,
 * `dev:sync` forces every chain, and Ctrl-C ends every process it started and removes its files
 * (the function's log, with `time` on every line, stays). (That pg_cron itself drives the
 * function is tests/e2e/scheduling.test.ts; this test does not wait for the clock.)
 *
 * It starts the stack as a project that disabled its legacy JWT keys (`--legacy-keys=disabled`):
 * everything above works with the new keys only, and the old JWT is refused at the gateway.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { repoRoot } from "../../stack/bin.ts";
import { waitFor } from "../support/wait.ts";
import type { DevState } from "../../dev/state.ts";
import { stackTest } from "./fixture.ts";

const ALICE = "5eed1000-0000-4000-8000-000000000001";
const BOB = "5eed1000-0000-4000-8000-000000000002";

/** Every live descendant of pid (from /proc). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry.name)]);
    } catch { /* exited meanwhile */ }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of children.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Runs `deno run -A <script>` against the dev stack kept in `devDir`; its output as text. */
async function runDevScript(script: string, devDir: string) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    cwd: repoRoot,
    env: { BALANCE_SYNC_DEV_DIR: devDir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { success: out.success, stdout: text(out.stdout), stderr: text(out.stderr) };
}

const alive = (pid: number) => {
  try {
    return !Deno.readTextFileSync(`/proc/${pid}/stat`).includes(") Z ");
  } catch {
    return false;
  }
};

stackTest(
  "deno task dev: the demo comes up, force-sync and dev:transfer work through the gateway, Ctrl-C leaves nothing running",
  async () => {
    const devDir = await Deno.makeTempDir({ prefix: "balance-sync-dev-test-" });
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "dev/main.ts", "--plain", "--legacy-keys=disabled"],
      cwd: repoRoot,
      env: { BALANCE_SYNC_DEV_DIR: devDir, NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let output = "";
    const reading = Promise.all(
      [child.stdout, child.stderr].map((stream) =>
        stream.pipeThrough(new TextDecoderStream()).pipeTo(
          new WritableStream({ write: (chunk) => void (output += chunk) }),
        )
      ),
    );
    const exitedEarly = () => {
      if (!alive(child.pid)) throw new Error(`deno task dev exited early:\n${output}`);
    };
    /** Waits until the stack's output matches `pattern` (it arrives in chunks, after the fact). */
    const waitForOutput = (what: string, pattern: RegExp) =>
      waitFor(
        what,
        () => {
          exitedEarly();
          return pattern.test(output);
        },
        30_000,
        200,
      );
    let sql: postgres.Sql | undefined;
    let stopped = false;
    try {
      const state = await waitFor(
        "the dev stack's state file",
        () => {
          exitedEarly();
          try {
            return JSON.parse(Deno.readTextFileSync(`${devDir}/dev-stack.json`)) as DevState;
          } catch {
            return null;
          }
        },
        120_000,
        200,
      );
      sql = postgres(state.databaseUrl!, { max: 1, onnotice: () => {} });
      assert.equal(state.legacyKeys, "disabled");
      // The state file is written just before the banner; the banner ends with "Started in".
      await waitForOutput("the banner", /Started in/);
      assert.match(output, /legacy JWT keys disabled/);
      const withJwt = await fetch(state.functionUrl!, {
        method: "POST",
        headers: { authorization: `Bearer ${state.serviceRoleKey}` },
        body: "{}",
      });
      assert.equal(withJwt.status, 401, "the function refuses the legacy JWT as a caller");
      await withJwt.body?.cancel();
      const rest = await fetch(`${state.controlUrl}/rest/v1/rpc/balance_sync_metrics`, {
        method: "POST",
        headers: { apikey: state.serviceRoleKey!, "content-type": "application/json" },
        body: "{}",
      });
      assert.equal(rest.status, 401);
      assert.equal((await rest.json()).message, "Legacy API keys are disabled");

      const forceSync = async (walletId: string) => {
        // A pg_cron run may hold the rows for a moment: the forced run reports them as busy.
        for (let attempt = 0;; attempt++) {
          const response = await fetch(state.functionUrl!, {
            method: "POST",
            headers: { apikey: state.secretKey!, "content-type": "application/json" },
            body: JSON.stringify({ wallet_id: walletId }),
          });
          assert.equal(response.status, 200);
          const summary = await response.json();
          if (summary.busy === 0 || attempt === 20) return summary;
          await new Promise((r) => setTimeout(r, 500));
        }
      };
      const balances = async (walletId: string) =>
        Object.fromEntries(
          (await sql!`
            select c.family || ' ' || a.symbol as key, wb.on_chain_balance_human::text as human
            from public.wallet_balances as wb
            join public.asset_on_chain as aoc on aoc.id = wb.asset_on_chain_id
            join public.assets as a on a.id = aoc.asset_id
            join public.chains as c on c.id = aoc.chain_id
            where wb.wallet_id = ${walletId}`).map((r) => [r.key, r.human]),
        );

      const alice = await forceSync(ALICE);
      assert.equal(alice.failed, 0);
      assert.equal(alice.synced + alice.busy, 4);
      const bob = await forceSync(BOB);
      assert.equal(bob.failed, 0);
      assert.deepEqual(await balances(BOB), {
        "evm ETH": "3.2",
        "evm USDT": "310.5",
        "tron TRX": "42.123456",
        "tron USDT": "95",
      });

      const transfer = await runDevScript("dev/transfer.ts", devDir);
      const transferText = transfer.stdout;
      assert.ok(transfer.success, transfer.stderr);
      assert.match(transferText, /Local EVM \(anvil\)\s+ETH\s+Alice → Bob: 1\.24/);
      assert.match(transferText, /Local TRON \(stand-in\)\s+TRX\s+Alice → Bob: 150/);
      assert.doesNotMatch(transferText, /sync_[0-9a-f]{20,}/, "the sync secret is never printed");

      const sync = await runDevScript("dev/sync.ts", devDir);
      const syncText = sync.stdout;
      assert.ok(sync.success, syncText + sync.stderr);
      // dev:sync forces every chain, so every row is claimed (or busy in a pg_cron run).
      assert.match(syncText, /Local EVM \(anvil\): claimed \d+, synced \d+, failed 0/);
      assert.match(syncText, /Local TRON \(stand-in\): claimed \d+, synced \d+, failed 1/);

      await forceSync(BOB);
      assert.deepEqual(await balances(BOB), {
        "evm ETH": "4.44",
        "evm USDT": "435.5",
        "tron TRX": "192.123456",
        "tron USDT": "175.02",
      });
      await waitForOutput(
        "a live view showing Bob's new TRX balance",
        /Bob\s+TRON\s+TRX\s+192\.123456/,
      );

      // --plain prints the whole view once, then only changes and status lines.
      assert.equal(output.match(/^balance-sync local stack/gm)?.length, 1, output.slice(-3000));
      assert.match(output, /^\[status\] /m);
      // Runs come from balance_sync.run_history: the forced runs of dev:sync and of this test.
      await waitForOutput(
        "--plain to report a forced run from the run history",
        /^forced run [0-9a-f]{8} \d\d:\d\d:\d\d finished: claimed \d+/m,
      );
      const [{ forced }] = await sql`
        select count(*)::int as forced from balance_sync.runs where kind = 'forced'`;
      assert.ok(forced >= 3, `forced runs in the history: ${forced}`);
      await waitForOutput(
        "a status line counting the forced runs of the history",
        new RegExp(`^\\[status\\] .* runs: \\d+ scheduled, ${forced} forced`, "m"),
      );
      // The transfer's changes, from balance_sync.balance_changes: wallet, asset, delta, block.
      const [bobTrx] = await sql`
        select bc.block::text as block
        from balance_sync.balance_changes as bc
        join public.asset_on_chain as aoc on aoc.id = bc.asset_on_chain_id
        join public.assets as a on a.id = aoc.asset_id
        where bc.wallet_id = ${BOB} and a.symbol = 'TRX' and bc.delta_raw = 150000000`;
      assert.ok(bobTrx, "the change log holds Bob's +150 TRX");
      await waitForOutput(
        "--plain to print Bob's +150 TRX change",
        new RegExp(`^change \\d\\d:\\d\\d:\\d\\d Bob +TRON +TRX +\\+150 {2}${bobTrx.block}$`, "m"),
      );
      await waitForOutput(
        "--plain to print Alice's -150 TRX change",
        /^change .* Alice +TRON +TRX +-150 {2}\d+$/m,
      );

      // The demo webhook receiver gets every change, signed and verified (a webhook run is what
      // the job balance-sync-webhooks sends; one from here does not wait for pg_cron's minute).
      await waitFor(
        "the demo webhook receiver to have every change",
        async () => {
          const hooks = await fetch(state.functionUrl!, {
            method: "POST",
            headers: { apikey: state.secretKey!, "content-type": "application/json" },
            body: JSON.stringify({ webhooks: true }),
          });
          assert.equal(hooks.status, 200);
          await hooks.body?.cancel();
          const [hook] = await sql!`
            select last_status, lag_changes::int as lag, cursor from balance_sync.webhook_status`;
          return hook?.last_status === 200 && hook.lag === 0 ? true : null;
        },
        30_000,
        500,
      );
      assert.match(output, /^Webhooks +http:\/\/127\.0\.0\.1:\d+\/demo-webhook/m);

      await sql.end();
      sql = undefined;
      const started = [child.pid, ...descendants(child.pid)];
      assert.ok(started.length >= 5, `expected postgres, anvils and the function: ${started}`);
      child.kill("SIGINT");
      const status = await child.status;
      stopped = true;
      await reading;
      assert.equal(status.code, 0, output.slice(-2000));
      assert.match(output, /Stopped; nothing is left running\./);
      await waitFor(
        "every process to be gone",
        () => started.every((pid) => !alive(pid)) ? true : null,
        10_000,
        200,
      ).catch(() => {
        assert.deepEqual(started.filter(alive), [], "processes left running");
      });
      assert.throws(() => Deno.statSync(`${devDir}/dev-stack.json`), "state file removed");
      assert.throws(() => Deno.statSync(`${devDir}/dev-stack.lock`), "lock released");
      const logLines = Deno.readTextFileSync(`${devDir}/dev-function.log`).trim().split("\n");
      assert.ok(logLines.length > 10, "the function's log is kept");
      for (const line of logLines) {
        assert.equal(typeof JSON.parse(line).time, "string", `a log line without time: ${line}`);
      }
      const leftovers = [...Deno.readDirSync(Deno.env.get("TMPDIR") ?? "/tmp")]
        .filter((e) => e.name.startsWith(`balance-sync-pg-${child.pid}-`));
      assert.deepEqual(leftovers, [], "cluster directory removed");
      await assert.rejects(fetch(state.controlUrl), "the gateway is closed");
    } finally {
      await sql?.end();
      if (!stopped) {
        for (const pid of [...descendants(child.pid), child.pid]) {
          try {
            Deno.kill(pid, "SIGKILL");
          } catch { /* gone */ }
        }
        await child.status;
        await reading.catch(() => {});
      }
      await Deno.remove(devDir, { recursive: true }).catch(() => {});
    }
  },
);
