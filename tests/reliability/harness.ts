/**
 * The reliability suite's fixture: the E2E fixture's per-test invariants (tests/e2e/fixture.ts:
 * empty tables, no TRON fault, the other workers' columns unchanged since the setup, no row left
 * leased by a run), and in addition around every test:
 * - the test-only audit (tests/support/audit.ts) cleared before it; afterwards the audit trigger
 *   must have seen no change of a protected column and no deleted row at any moment of the test,
 *   setup included;
 * - every function process the test started is stopped, and its cleanups run.
 *
 * Every function process and every response is kept: the module's last test (`secretsTest`)
 * greps all of them for the stack's keys and secrets and for any value a test registered.
 * Tests print their counts as `RELIABILITY | area | cases | result` lines (the table in docs/testing.md, "Reliability").
 */
import assert from "node:assert/strict";
import {
  callFunction,
  type FunctionResponse,
  type FunctionServer,
  moduleStack,
  type ServeFunctionOptions,
  type Stack,
  type StackOptions,
  startStack,
} from "../../stack/stack.ts";
import { stackTest, withInvariants } from "../e2e/fixture.ts";
import { clearAudit, installAudit, leaseEvents, protectedChanges } from "../support/audit.ts";
import { TEST_JWT_SECRET } from "../../stack/jwt.ts";
import { waitFor } from "../support/wait.ts";
import { type RpcProxy, startRpcProxy } from "../../stack/rpc_proxy.ts";
import { setBalance } from "../../stack/anvil.ts";
import { setTokenBalance } from "../../stack/contracts/mod.ts";
import { toEvmAddress } from "../../stack/standins/tron_node.ts";

export interface TestContext {
  stack: Stack;
  /** Another function process, stopped after the test; its output is kept for the secrets check. */
  serve(options?: ServeFunctionOptions): Promise<FunctionServer>;
  /** POSTs to a function; the response is kept for the secrets check. */
  call(
    server: FunctionServer | string,
    body?: unknown,
    headers?: Record<string, string>,
    method?: string,
  ): Promise<FunctionResponse>;
  /** Keeps a response obtained another way (raw bytes, streams) for the secrets check. */
  remember(what: string, text: string): void;
  /** A value that must never appear in any log line or response of this module. */
  secret(value: string): void;
  /** Runs after the test, before the checks (stop proxies, nodes, gates). */
  defer(cleanup: () => Promise<unknown> | unknown): void;
  /** A counting proxy in front of `target` (faults, held answers), stopped after the test. */
  proxy(target: string): Promise<RpcProxy>;
}

export interface Harness {
  test<T>(
    name: string,
    setup: (ctx: TestContext) => Promise<T>,
    body: (ctx: TestContext, data: T) => Promise<void>,
  ): void;
  /** The module's last test: no secret in any captured log line or response. */
  secretsTest(): void;
}

/** Prints one row of the Reliability table in docs/testing.md. */
export function report(area: string, cases: number, result: string): void {
  console.log(`RELIABILITY | ${area} | ${cases} | ${result}`);
}

export { waitFor };

/** The shortest lease the function accepts with a 2 s budget (lease >= budget + 8 s store timeout). */
export const SHORT_LEASE = { BALANCE_SYNC_LEASE_SECONDS: "12", BALANCE_SYNC_BUDGET_MS: "2000" };

/** The one run token holding rows right now. */
export async function runHoldingRows(stack: Stack): Promise<string> {
  const rows = await stack.sql`
    select distinct locked_by from public.wallet_balances where locked_by is not null`;
  assert.equal(rows.length, 1, "one run holds rows");
  return rows[0].locked_by;
}

/** SIGKILLs `server` while `run`, its call (errors caught), waits for an answer that never comes. */
export async function killMidRun(server: FunctionServer, run: Promise<unknown>): Promise<void> {
  await server.stop("SIGKILL");
  assert.equal((await server.exited).signal, "SIGKILL");
  assert.ok((await run) instanceof Error, "the killed run never answered");
}

/** Puts `raw` on the chain as `holder`'s balance of the native asset, or of `token`. */
export async function setChainBalance(
  stack: Stack,
  family: "evm" | "tron",
  holder: string,
  token: string | null,
  raw: bigint,
): Promise<void> {
  if (family === "evm") {
    if (token) await setTokenBalance(stack.anvil.rpcUrl, token, holder, raw);
    else await setBalance(stack.anvil.rpcUrl, holder, raw);
  } else if (token) {
    await setTokenBalance(stack.tronAnvil.rpcUrl, toEvmAddress(token), toEvmAddress(holder), raw);
  } else {
    await stack.tron.setAccountBalance(holder, raw);
  }
}

/**
 * Waits until `server`'s output holds the "Balance sync run finished" line of every run id. The
 * function writes it after all other lines of the run and before answering, but its stdout reaches
 * the test through a pipe that can lag behind the HTTP response.
 */
export async function runLogsComplete(server: FunctionServer, runIds: string[]): Promise<void> {
  await waitFor("the runs' last log lines", () => {
    const finished = new Set(
      server.logs().filter((l) => l.msg === "Balance sync run finished").map((l) => l.run_id),
    );
    return runIds.every((id) => finished.has(id));
  }, 10_000);
}

export function reliabilityHarness(options: StackOptions = {}): Harness {
  const servers: FunctionServer[] = [];
  const responses: { what: string; text: string }[] = [];
  const secrets = new Set<string>([TEST_JWT_SECRET]);
  const guarded = { tests: 0, rows: 0, auditedChanges: 0 };

  const getStack = moduleStack(async () => {
    const stack = await startStack(options);
    try {
      await installAudit(stack.sql);
    } catch (error) {
      await stack.stop();
      throw error;
    }
    if (stack.fn) servers.push(stack.fn);
    return stack;
  });

  const test: Harness["test"] = (name, setup, body) => {
    stackTest(name, async () => {
      const stack = await getStack();
      const mine: FunctionServer[] = [];
      const cleanups: (() => Promise<unknown> | unknown)[] = [];
      const ctx: TestContext = {
        stack,
        serve: async (serveOptions) => {
          const server = await stack.serveFunction(serveOptions);
          servers.push(server);
          mine.push(server);
          return server;
        },
        call: async (server, body, headers, method) => {
          const url = typeof server === "string" ? server : server.url;
          const response = await callFunction(
            url,
            body,
            headers ?? { "x-balance-sync-secret": stack.keys.syncSecret },
            method,
          );
          responses.push({ what: `${name}: ${method ?? "POST"} ${url}`, text: response.text });
          return response;
        },
        remember: (what, text) => {
          responses.push({ what: `${name}: ${what}`, text });
        },
        secret: (value) => {
          if (value.length >= 8) secrets.add(value);
        },
        defer: (cleanup) => {
          cleanups.push(cleanup);
        },
        proxy: async (target) => {
          const proxy = await startRpcProxy({ target });
          cleanups.push(() => proxy.stop());
          return proxy;
        },
      };
      try {
        await withInvariants(stack, () => setup(ctx), (data) => body(ctx, data), {
          afterReset: () => clearAudit(stack.sql),
          check: async (after) => {
            assert.deepEqual(
              await protectedChanges(stack.sql),
              [],
              "audit: protected column changed",
            );
            guarded.tests++;
            guarded.rows += after.size;
            guarded.auditedChanges += (await leaseEvents(stack.sql)).length;
          },
        });
      } finally {
        for (const cleanup of cleanups.reverse()) {
          await Promise.resolve(cleanup()).catch(() => {});
        }
        await Promise.all(mine.map((s) => s.stop()));
        stack.tron.clearFaults();
      }
    });
  };

  const secretsTest = () => {
    stackTest(
      "no key or secret appears in any function log line or response of this module",
      async () => {
        const stack = await getStack();
        const { serviceRoleKey, secretKey, syncSecret, anonKey, userToken } = stack.keys;
        for (const value of [serviceRoleKey, secretKey, syncSecret, anonKey, userToken]) {
          secrets.add(value);
        }
        const lines = servers.flatMap((s) => s.lines);
        assert.ok(lines.length > 0, "the function's output was captured");
        assert.ok(responses.length > 0, "responses were captured");
        const leaks: string[] = [];
        for (const secret of secrets) {
          const inLog = lines.find((line) => line.includes(secret));
          if (inLog) leaks.push(`log line: ${inLog.slice(0, 200)}`);
          const inResponse = responses.find((r) => r.text.includes(secret));
          if (inResponse) leaks.push(`response of ${inResponse.what}`);
        }
        assert.deepEqual(leaks, [], "a secret leaked");
        report(
          "Protected columns (this module)",
          guarded.tests,
          `${guarded.tests} tests: the 7 columns of each of ${guarded.rows} rows identical ` +
            `before/after each, and the audit trigger saw 0 protected-column changes among ` +
            `${guarded.auditedChanges} audited claim, record and release updates`,
        );
        report(
          "Secrets in output (this module)",
          secrets.size,
          `${lines.length} log lines of ${servers.length} function processes and ` +
            `${responses.length} responses grepped, 0 leaks`,
        );
      },
    );
  };

  return { test, secretsTest };
}
