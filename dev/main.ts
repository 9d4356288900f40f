/**
 * `deno task dev`: the whole balance-sync system on this machine, without Docker, driven by the
 * real pg_cron. See docs/local-stack.md.
 *
 *   deno task dev                  everything (stack/stack.ts + seed + demo chains + pg_net
 *                                  dispatcher + gateway on :54321 + live view)
 *   deno task dev --chains-only    only the demo chains, on 0.0.0.0:8545 (EVM) and 0.0.0.0:8090
 *                                  (TRON), for `supabase start`; reads the seed from --db-url
 *                                  (default: the local Supabase database on 127.0.0.1:54322)
 *   --plain                        print what changed and a status line instead of redrawing
 *   --help                         usage (dev/cli.ts); unknown flags are refused with it
 *
 * One per checkout (dev/lock.ts). Ctrl-C stops every process it started and removes every file it
 * made, except the function's log, which is appended to across runs; Ctrl-C during start-up says
 * so and exits 130.
 */
import postgres from "postgres";
import { startAnvil } from "../stack/anvil.ts";
import { postgresBinDir, repoRoot, tool } from "../stack/bin.ts";
import { startNetDispatcher } from "../stack/standins/net_dispatcher.ts";
import type { Sql } from "../stack/pg.ts";
import { FUNCTION_PATH, type Stack, startStack } from "../stack/stack.ts";
import { startWebhookDemo } from "./webhook_demo.ts";
import { startTronNode } from "../stack/standins/tron_node.ts";
import { ensurePrerequisites } from "../stack/prerequisites.ts";
import { parseDevArgs } from "./cli.ts";
import { formatUnits } from "./demo.ts";
import { type DemoNodes, installDemoChains } from "./demo_chains.ts";
import { describeForce, forceSyncEverything, summarizeForce } from "./force_sync.ts";
import { startGateway } from "./gateway.ts";
import {
  ChangeTracker,
  loadSnapshot,
  PlainReporter,
  renderView,
  type ViewContext,
} from "./live_view.ts";
import { acquireDevLock, type DevLock, StackAlreadyRunning } from "./lock.ts";
import { describeMove, moveDemoFunds } from "./move_funds.ts";
import { FunctionLogFacts } from "./run_log.ts";
import { DEV_DIR, type DevState, FORCE_COMMAND, FUNCTION_LOG, STATE_FILE } from "./state.ts";
import { forwardPort } from "./tcp_forward.ts";

const GATEWAY_PORT = 54321;
const CONTROL_PORT = 54329;
const EVM_PORT = 8545;
const TRON_PORT = 8090;
const SUPABASE_LOCAL_DB = "postgresql://postgres:postgres@127.0.0.1:54322/postgres";

const parsedArgs = parseDevArgs(Deno.args);
if (typeof parsedArgs === "number") Deno.exit(parsedArgs);
const dbUrlArg = parsedArgs.dbUrl;
const chainsOnly = parsedArgs.chainsOnly;
const legacyKeysArg = parsedArgs.legacyKeys ?? undefined;
const interactive = Deno.stdout.isTerminal() && !parsedArgs.plain;
const color = interactive && !Deno.env.get("NO_COLOR");
const say = (line = "") => console.log(line);

/**
 * Steps run in reverse order on shutdown; failures are ignored. A step added after shutdown began
 * (a part that was still starting) runs at once, and drain() waits for those.
 */
class Shutdown {
  #steps: (() => Promise<unknown> | unknown)[] = [];
  #late: Promise<unknown>[] = [];
  #running: Promise<void> | undefined;
  get started() {
    return this.#running !== undefined;
  }
  add(step: () => Promise<unknown> | unknown) {
    if (this.#running) this.#late.push(this.#running.then(step).catch(() => {}));
    else this.#steps.push(step);
  }
  run(): Promise<void> {
    return this.#running ??= (async () => {
      for (const step of this.#steps.splice(0).reverse()) {
        try {
          await step();
        } catch { /* keep stopping the rest */ }
      }
    })();
  }
  async drain(): Promise<void> {
    await this.run();
    while (this.#late.length > 0) await Promise.allSettled(this.#late.splice(0));
  }
}

const shutdown = new Shutdown();
/** Set once the stack is up: a stop before that is an interruption (exit 130). */
let ready = false;
let stopWasRequested = false;
let stopRequested: () => void;
const stopSignal = new Promise<void>((resolve) => stopRequested = resolve);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => {
    if (shutdown.started) return;
    stopWasRequested = true;
    stopRequested();
  });
}

/** Says exactly what is missing before anything starts. */
function preflight(): string[] {
  const problems: string[] = [];
  try {
    tool("anvil");
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (!chainsOnly) {
    try {
      const bin = postgresBinDir();
      const major = bin.split("/").at(-2);
      try {
        Deno.statSync(`/usr/share/postgresql/${major}/extension/pg_cron.control`);
      } catch {
        problems.push(
          `pg_cron for PostgreSQL ${major} is missing. Install it with:\n` +
            `  sudo apt-get install postgresql-${major}-cron`,
        );
      }
    } catch (error) {
      problems.push((error as Error).message);
    }
    try {
      tool("supabase");
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  return problems;
}

async function setVaultSecret(sql: Sql, name: string, value: string): Promise<void> {
  const [existing] = await sql`select id from vault.secrets where name = ${name}`;
  if (existing) await sql`select vault.update_secret(${existing.id}, ${value})`;
  else await sql`select vault.create_secret(${value}, ${name})`;
}

async function applySeed(stack: Stack): Promise<void> {
  const out = await new Deno.Command(`${stack.cluster.bindir}/psql`, {
    args: [
      stack.databaseUrl,
      "-X",
      "-q",
      "-v",
      "ON_ERROR_STOP=1",
      "-f",
      `${repoRoot}/supabase/seed.sql`,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`supabase/seed.sql failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
}

function writeState(state: DevState) {
  Deno.mkdirSync(DEV_DIR, { recursive: true });
  Deno.writeTextFileSync(STATE_FILE, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  shutdown.add(() => {
    try {
      const current = JSON.parse(Deno.readTextFileSync(STATE_FILE));
      if (current.pid === Deno.pid) Deno.removeSync(STATE_FILE);
    } catch { /* gone already */ }
  });
}

const now = () => new Date().toTimeString().slice(0, 8);

interface Control {
  /** Moves demo funds; answers the lines dev:transfer prints. */
  transfer(): Promise<{ lines: string[]; summary: string }>;
  /** Forces a sync of every chain; null with --chains-only (no function here). */
  sync: (() => Promise<{ lines: string[]; summary: string; failedChains: number }>) | null;
}

function demoTransfer(sql: Sql, nodes: DemoNodes): Control["transfer"] {
  let round = 0;
  let busy: Promise<unknown> = Promise.resolve();
  return async () => {
    const run = busy.then(() => moveDemoFunds(sql, nodes, round++));
    busy = run.catch(() => {});
    const moves = await run;
    const moved = moves.filter((m) => m.amount !== null);
    return {
      lines: moves.map(describeMove),
      summary: `${now()} moved ` +
        (moved.map((m) => `${m.amount} ${m.symbol} ${m.from}→${m.to}`).join(", ") || "nothing"),
    };
  };
}

/** POST /_dev/transfer and /_dev/sync (dev:transfer and dev:sync call them). */
function controlHandler(control: Control, onDone: (summary: string) => void) {
  return async (request: Request, path: string): Promise<Response> => {
    const action = request.method !== "POST"
      ? null
      : path === "/_dev/transfer"
      ? control.transfer
      : path === "/_dev/sync"
      ? control.sync
      : null;
    if (!action) {
      return Response.json({ error: "POST /_dev/transfer or /_dev/sync only" }, { status: 404 });
    }
    try {
      const result = await action();
      onDone(result.summary);
      return Response.json(result);
    } catch (error) {
      return Response.json({ error: (error as Error).message }, { status: 500 });
    }
  };
}

/**
 * The function's log file: appended to across runs (never truncated), one JSON object per line,
 * each with `time`; output that is not a JSON log line (a crash trace) is wrapped into one.
 */
function functionLogSink(runs: FunctionLogFacts) {
  Deno.mkdirSync(DEV_DIR, { recursive: true });
  const file = Deno.openSync(FUNCTION_LOG, { write: true, create: true, append: true });
  shutdown.add(() => file.close());
  const encoder = new TextEncoder();
  const append = (entry: Record<string, unknown>) => {
    try {
      file.writeSync(encoder.encode(JSON.stringify(entry) + "\n"));
    } catch { /* closed during shutdown */ }
  };
  append({
    level: "info",
    time: new Date().toISOString(),
    msg: "deno task dev started; the function's lines follow",
    pid: Deno.pid,
  });
  return {
    write(line: string) {
      let entry: Record<string, unknown> | null = null;
      if (line.startsWith("{")) {
        try {
          const parsed = JSON.parse(line);
          if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) entry = parsed;
        } catch { /* not a log object */ }
      }
      if (entry === null) {
        entry = { level: "info", time: new Date().toISOString(), msg: "function output", line };
      } else if (typeof entry.time !== "string") {
        entry = { time: new Date().toISOString(), ...entry };
      }
      append(entry);
      runs.observe(JSON.stringify(entry));
    },
  };
}

/** Single keys in the interactive view; Ctrl-C still stops (cbreak keeps signals). */
function listenForKeys(onKey: (key: string) => void) {
  if (!Deno.stdin.isTerminal()) return;
  try {
    Deno.stdin.setRaw(true, { cbreak: true });
  } catch {
    return;
  }
  shutdown.add(() => {
    try {
      Deno.stdin.setRaw(false);
    } catch { /* not a terminal any more */ }
  });
  (async () => {
    const buffer = new Uint8Array(16);
    while (!shutdown.started) {
      const n = await Deno.stdin.read(buffer).catch(() => null);
      if (n === null) return;
      for (const byte of buffer.subarray(0, n)) onKey(String.fromCharCode(byte).toLowerCase());
    }
  })();
}

/** --plain reads this many recent runs and changes, so that it prints each one between reads. */
const PLAIN_RECENT = { runs: 50, changes: 500 };

async function runView(sql: Sql, ctx: () => ViewContext, control: Control): Promise<void> {
  const tracker = new ChangeTracker();
  const plain = new PlainReporter();
  const encoder = new TextEncoder();
  const write = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
  let wake: () => void = () => {};
  if (interactive) {
    write("\x1b[?25l\x1b[2J");
    shutdown.add(() => write("\x1b[?25h\n"));
    let working = false;
    listenForKeys((key) => {
      const action = key === "f" ? control.sync : key === "t" ? control.transfer : null;
      if (!action || working) return;
      working = true;
      setNotice(`${now()} ${key === "f" ? "forcing a sync of every chain" : "moving funds"} ...`);
      wake();
      action().then((r) => setNotice(r.summary), (e) => setNotice(`failed: ${e.message}`))
        .finally(() => {
          working = false;
          wake();
        });
    });
  }
  while (!shutdown.started) {
    try {
      const snapshot = await loadSnapshot(sql, interactive ? undefined : PLAIN_RECENT);
      tracker.observe(snapshot);
      if (interactive) {
        const { columns, rows } = Deno.consoleSize();
        const text = renderView(snapshot, tracker, ctx(), { columns, rows });
        write("\x1b[H" + text.split("\n").join("\x1b[K\n") + "\x1b[K\x1b[J");
      } else {
        write(plain.report(snapshot, tracker, ctx()));
      }
    } catch (error) {
      if (shutdown.started) break;
      write(`\nlive view: ${(error as Error).message}\n`);
    }
    await Promise.race([
      stopSignal,
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 2000);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      }),
    ]);
  }
}

/** The last transfer or forced sync, shown under the header for a minute. */
let notice: { text: string; at: number } | null = null;
const setNotice = (text: string) => notice = { text, at: Date.now() };
const currentNotice = () => notice && Date.now() - notice.at < 60_000 ? notice.text : null;

async function setVaultSecrets(sql: Sql, functionUrl: string, syncSecret: string) {
  await setVaultSecret(sql, "balance_sync_function_url", functionUrl);
  await setVaultSecret(sql, "balance_sync_secret", syncSecret);
}

async function fullStack(): Promise<void> {
  say("Starting PostgreSQL (pg_cron), anvil, the TRON stand-in, the PostgREST stand-in and the");
  say("balance-sync function ...");
  const runs = new FunctionLogFacts();
  const log = functionLogSink(runs);
  // The gateway first: its URL goes into Vault before the migration creates the schedule.
  const gateway = startGateway({ port: GATEWAY_PORT });
  shutdown.add(() => gateway.stop());
  const functionUrl = `${gateway.url}${FUNCTION_PATH}`;
  const stack = await startStack({
    database: "postgres",
    function: { echo: (l) => log.write(l) },
    beforeMigrate: (sql, keys) => setVaultSecrets(sql, functionUrl, keys.syncSecret),
    legacyKeys: legacyKeysArg,
  });
  shutdown.add(() => stack.stop());
  if (!stack.fn) throw new Error("the stack started no function server");

  // pg_net requests that pg_cron queues from here on wait for the dispatcher, which starts last.
  await applySeed(stack);
  const nodes: DemoNodes = {
    evmRpcUrl: stack.anvil.rpcUrl,
    tronAnvilRpcUrl: stack.tronAnvil.rpcUrl,
    tron: stack.tron,
  };
  const demo = await installDemoChains(stack.sql, nodes);

  const evmForward = forwardPort({ hostname: "127.0.0.1", port: EVM_PORT }, {
    port: stack.anvil.port,
  });
  const tronForward = forwardPort({ hostname: "127.0.0.1", port: TRON_PORT }, {
    port: stack.tron.port,
  });
  if (evmForward) shutdown.add(() => evmForward.close());
  if (tronForward) shutdown.add(() => tronForward.close());
  const evmUrl = evmForward ? `http://127.0.0.1:${evmForward.port}` : stack.anvil.rpcUrl;
  const tronUrl = tronForward ? `http://127.0.0.1:${tronForward.port}` : stack.tron.url;
  await stack.sql`
    update public.chains
    set rpc_url = case family when 'evm' then ${evmUrl} else ${tronUrl} end,
        fallback_rpc_urls = '{}'
    where family in ('evm', 'tron')`;

  const control: Control = {
    transfer: demoTransfer(stack.sql, nodes),
    sync: async () => {
      const results = await forceSyncEverything(
        stack.sql,
        functionUrl,
        stack.keys.secretKey,
      );
      return {
        lines: results.map(describeForce),
        summary: `${now()} ${summarizeForce(results)}`,
        failedChains: results.filter((r) => r.error).length,
      };
    },
  };
  gateway.route({
    restUrl: stack.postgrest.url,
    functions: { "balance-sync": stack.fn.url },
    control: controlHandler(control, setNotice),
  });

  const dispatcher = startNetDispatcher({ databaseUrl: stack.databaseUrl });
  shutdown.add(() => dispatcher.stop());
  const webhooks = await startWebhookDemo(stack.sql, (d) =>
    setNotice(
      `${now()} webhook ${d.webhookId}: ${d.ids.length} changes, signature ${
        d.verified ? "verified" : "INVALID"
      }`,
    ));
  shutdown.add(() => webhooks.stop());

  writeState({
    controlUrl: gateway.url,
    functionUrl,
    serviceRoleKey: stack.keys.serviceRoleKey,
    secretKey: stack.keys.secretKey,
    legacyKeys: stack.legacyKeys,
    databaseUrl: stack.databaseUrl,
    pid: Deno.pid,
  });

  const [cron] = await stack.sql`
    select j.schedule, (select extversion from pg_extension where extname = 'pg_cron') as version
    from cron.job as j where j.jobname = 'balance-sync'`;
  say("");
  say(`API gateway      ${gateway.url}  (/rest/v1 -> PostgREST stand-in, ${FUNCTION_PATH})`);
  if (gateway.movedPort) say(`                 (port ${GATEWAY_PORT} was taken)`);
  say(
    stack.legacyKeys === "disabled"
      ? "API keys         legacy JWT keys disabled: only sb_secret_/sb_publishable_ keys work"
      : "API keys         sb_secret_/sb_publishable_ and the legacy JWT keys",
  );
  say(`EVM chain        ${evmUrl}  (anvil, chain id 31337)`);
  say(`TRON chain       ${tronUrl}  (java-tron HTTP stand-in)`);
  say(`Database         ${stack.databaseUrl}`);
  say(
    `pg_cron ${cron?.version} runs balance_sync.dispatch() ${
      cron?.schedule === "* * * * *" ? "every minute ('* * * * *'; pg_cron < 1.5)" : cron?.schedule
    }; the pg_net stand-in delivers it to the function.`,
  );
  say(
    `Webhooks         ${webhooks.url}  (demo receiver; verifies each delivery with standardwebhooks)`,
  );
  say(`Seeded ${demo.funded.length} demo balances; the first sync comes with the next cron run.`);
  say(`Started in ${((performance.now() - startedAt) / 1000).toFixed(1)} s.`);
  ready = true;
  await new Promise((r) => setTimeout(r, interactive ? 1500 : 0));

  await runView(stack.sql, () => ({
    forceCommand: FORCE_COMMAND,
    databaseUrl: stack.databaseUrl,
    functionLog: FUNCTION_LOG.replace(`${repoRoot}/`, ""),
    color,
    runs,
    notice: currentNotice(),
    keys: interactive ? "keys: f force sync, t transfer, Ctrl-C stop" : null,
  }), control);
}

async function chainsOnlyStack(): Promise<void> {
  const databaseUrl = dbUrlArg ?? SUPABASE_LOCAL_DB;
  const sql = postgres(databaseUrl, { max: 2, onnotice: () => {}, connect_timeout: 5 });
  shutdown.add(() => sql.end({ timeout: 1 }));
  try {
    await sql`select 1 from public.chains limit 1`;
  } catch (error) {
    throw new Error(
      `cannot read the seeded chains from ${databaseUrl.replace(/:[^:@/]+@/, ":***@")}: ` +
        `${(error as Error).message}\nRun \`supabase start\` and \`supabase db reset\` first, or ` +
        `pass --db-url=postgresql://...`,
    );
  }
  const [anvil, tronAnvil] = await Promise.all([startAnvil(), startAnvil()]);
  shutdown.add(() => anvil.stop());
  shutdown.add(() => tronAnvil.stop());
  const tron = await startTronNode({ anvilRpcUrl: tronAnvil.rpcUrl });
  shutdown.add(() => tron.stop());
  const nodes: DemoNodes = { evmRpcUrl: anvil.rpcUrl, tronAnvilRpcUrl: tronAnvil.rpcUrl, tron };
  const demo = await installDemoChains(sql, nodes);

  const forwards = [
    ["EVM", EVM_PORT, anvil.port],
    ["TRON", TRON_PORT, tron.port],
  ] as const;
  for (const [name, port, target] of forwards) {
    const forward = forwardPort({ hostname: "0.0.0.0", port }, { port: target });
    if (!forward) throw new Error(`port ${port} (${name} chain) is taken; stop what holds it`);
    shutdown.add(() => forward.close());
  }
  const handle = controlHandler({ transfer: demoTransfer(sql, nodes), sync: null }, say);
  const control = Deno.serve(
    { hostname: "127.0.0.1", port: CONTROL_PORT, onListen: () => {} },
    (request) => handle(request, new URL(request.url).pathname),
  );
  shutdown.add(() => control.shutdown());
  writeState({
    controlUrl: `http://127.0.0.1:${CONTROL_PORT}`,
    functionUrl: null,
    serviceRoleKey: null,
    secretKey: null,
    databaseUrl: null,
    pid: Deno.pid,
  });

  say("Demo chains for `supabase start` are up (Ctrl-C stops them):");
  say(
    `  EVM   http://host.docker.internal:${EVM_PORT} from containers, http://127.0.0.1:${EVM_PORT} here`,
  );
  say(
    `  TRON  http://host.docker.internal:${TRON_PORT} from containers, http://127.0.0.1:${TRON_PORT} here`,
  );
  say("They listen on 0.0.0.0: anyone on your network can reach these local test chains.");
  for (const f of demo.funded) {
    say(
      `  ${f.wallet.padEnd(6)} ${f.chain.padEnd(22)} ${f.symbol.padEnd(5)} ${
        formatUnits(f.raw, f.decimals)
      }`,
    );
  }
  say("Move demo funds with: deno task dev:transfer");
  ready = true;
  await stopSignal;
}

const startedAt = performance.now();

async function main(): Promise<number> {
  let lock: DevLock;
  try {
    lock = acquireDevLock();
  } catch (error) {
    if (!(error instanceof StackAlreadyRunning)) throw error;
    console.error(error.message);
    return 1;
  }
  // Added first, so it runs last: the lock is held until everything else has stopped.
  shutdown.add(() => lock.release());
  const problems = preflight();
  if (problems.length > 0) {
    console.error("`deno task dev` cannot start yet:\n");
    for (const problem of problems) console.error(`- ${problem}\n`);
    await shutdown.run();
    return 1;
  }
  const running = chainsOnly ? chainsOnlyStack() : fullStack();
  let code = 0;
  try {
    await Promise.race([running, stopSignal]);
  } catch (error) {
    if (!stopWasRequested) {
      if (interactive) Deno.stdout.writeSync(new TextEncoder().encode("\x1b[?25h"));
      console.error(`\n${(error as Error).message}`);
      code = 1;
    }
  } finally {
    if (stopWasRequested && !ready) {
      say("\nInterrupted during start-up (Ctrl-C): stopping what had started ...");
      code = 130;
    } else {
      say("\nStopping ...");
    }
    await shutdown.run();
    // A part still starting when Ctrl-C came registers its stop step late; wait for it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      running.catch(() => {}),
      new Promise((r) => timer = setTimeout(r, 60_000)),
    ]);
    clearTimeout(timer);
    await shutdown.drain();
  }
  return code;
}

if (import.meta.main) {
  await ensurePrerequisites();
  const code = await main();
  say(
    code === 0
      ? "Stopped; nothing is left running."
      : code === 130
      ? "Interrupted; nothing is left running."
      : "",
  );
  Deno.exit(code);
}
