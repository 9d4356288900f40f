/**
 * The whole balance-sync system on one machine, for the E2E tests, `deno task dev`, the benchmark
 * and the reliability suite:
 *
 *   PostgreSQL (pg.ts, real migrations) ◄── PostgREST stand-in ◄── the real function, served by
 *   Deno as its own process ──► anvil (EVM chain, Multicall3 installed)
 *                                └──► TRON node stand-in (backed by a second anvil)
 *
 * startStack() starts every part (and stops what it started if one part fails); stop() ends every
 * process and removes every file, and is safe to call twice. More function servers, e.g. with
 * another budget, come from `stack.serveFunction({ env })`; the stack stops them too.
 */
import { type Anvil, startAnvil } from "./anvil.ts";
import { repoRoot } from "./bin.ts";
import { installMulticall3, MULTICALL3_ADDRESS } from "./contracts/mod.ts";
import { TEST_JWT_SECRET, type TestKeys, testKeys } from "./jwt.ts";
import { type Cluster, type Sql, startCluster } from "./pg.ts";
import { type Postgrest, startPostgrest } from "./standins/postgrest.ts";
import { startTronNode, type TronNode } from "./standins/tron_node.ts";

export const FUNCTION_DIR = `${repoRoot}/supabase/functions/balance-sync`;
/** The path Supabase serves the function under; the function itself answers on any path. */
export const FUNCTION_PATH = "/functions/v1/balance-sync";
export const SYNC_SECRET_HEADER = "x-balance-sync-secret";

export interface StackKeys extends TestKeys {
  /** A new-style Supabase secret key, accepted in the `apikey` header. */
  secretKey: string;
  /** A new-style publishable key (the gateway runs it as `anon`). */
  publishableKey: string;
  /** The cron path's dedicated secret (`x-balance-sync-secret`). */
  syncSecret: string;
}

export interface FunctionServer {
  /** Full URL of the function, `http://127.0.0.1:<port>/functions/v1/balance-sync`. */
  url: string;
  port: number;
  /** Process id of the Deno process serving the function (CPU and memory from /proc, kills). */
  pid: number;
  /** Every line the process wrote (stdout and stderr), in order. */
  readonly lines: readonly string[];
  /** The lines that are JSON log objects, parsed. */
  logs(): Record<string, unknown>[];
  /** Milliseconds from spawning the process to its "Listening" line. */
  startupMs: number;
  /** POSTs `body` (JSON-encoded unless a string) with the given headers; default: sync secret. */
  call(body?: unknown, headers?: Record<string, string>): Promise<FunctionResponse>;
  /** Kills the process (SIGKILL when `signal` says so) and waits for it. Safe to call twice. */
  stop(signal?: Deno.Signal): Promise<void>;
  /** Resolves with the exit status when the process ends. */
  readonly exited: Promise<Deno.CommandStatus>;
}

export interface FunctionResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the raw text when the body is not JSON. */
  // deno-lint-ignore no-explicit-any
  body: any;
  text: string;
}

export interface ServeFunctionOptions {
  /** Environment variables on top of the stack's (SUPABASE_URL, keys, secrets). */
  env?: Record<string, string>;
  /** 0 (default): a free port. */
  port?: number;
  /** Copy each line to this process's stdout/stderr (for `deno task dev`). */
  echo?: (line: string) => void;
  /**
   * Serve another entrypoint than the source's index.ts, e.g. a bundle (`config: null` runs it
   * without a deno.json). Default: FUNCTION_DIR's index.ts with its deno.json.
   */
  entrypoint?: { file: string; config: string | null };
}

export interface StackOptions {
  /**
   * Database the function works on. Default: a fresh database created with every migration except
   * those that need pg_cron. "postgres" migrates pg_cron's own database with every migration
   * (the scheduling one included).
   */
  database?: string;
  /** Function server options; `false` starts none (call serveFunction yourself). */
  function?: ServeFunctionOptions | false;
  /** PostgREST stand-in latency per request (benchmarks). */
  postgrestLatencyMs?: number;
  /** Install Multicall3 on the TRON node's anvil at this EVM address (for TRON multicall). */
  tronMulticallEvmAddress?: string;
  /**
   * With `database: "postgres"`: runs on that database before the migrations, e.g. to write the
   * Vault secrets that the schedule (created by a migration) reads, so that no pg_cron run can
   * find them missing.
   */
  beforeMigrate?: (sql: Sql, keys: StackKeys) => Promise<void>;
  /**
   * "disabled": the project disabled its legacy JWT keys, as a hosted project can. The PostgREST
   * stand-in refuses them like the gateway does, and the function gets
   * BALANCE_SYNC_REFUSE_LEGACY_KEYS=true; SUPABASE_SERVICE_ROLE_KEY still holds the old JWT, as
   * hosted Supabase keeps injecting it. Default "enabled". Also `BALANCE_SYNC_LEGACY_KEYS`.
   */
  legacyKeys?: LegacyKeys;
}

export type LegacyKeys = "enabled" | "disabled";

/** The stack's legacy-key mode: the option, else the BALANCE_SYNC_LEGACY_KEYS variable. */
export function legacyKeysMode(option?: LegacyKeys): LegacyKeys {
  const value = option ?? Deno.env.get("BALANCE_SYNC_LEGACY_KEYS") ?? "enabled";
  if (value !== "enabled" && value !== "disabled") {
    throw new Error(`BALANCE_SYNC_LEGACY_KEYS must be "enabled" or "disabled", got "${value}"`);
  }
  return value;
}

export interface Stack {
  cluster: Cluster;
  /** Superuser client on the function's database. */
  sql: Sql;
  database: string;
  databaseUrl: string;
  postgrest: Postgrest;
  /** The EVM chain: Multicall3 at the canonical address. */
  anvil: Anvil;
  /** The anvil behind the TRON stand-in (its own state, so TRON and EVM balances never mix). */
  tronAnvil: Anvil;
  tron: TronNode;
  keys: StackKeys;
  /** "disabled": the stand-in refuses legacy JWT keys, as a hosted project that disabled them. */
  legacyKeys: LegacyKeys;
  /** The function server started with the stack, or null with `function: false`. */
  fn: FunctionServer | null;
  /** Environment the stack gives every function server. */
  functionEnv: Record<string, string>;
  serveFunction(options?: ServeFunctionOptions): Promise<FunctionServer>;
  stop(): Promise<void>;
}

const randomToken = (bytes = 24) =>
  Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0"))
    .join("");

/** Tears down, in reverse order, whatever was started; errors do not stop the rest. */
class Teardown {
  #steps: (() => Promise<unknown>)[] = [];
  add(step: () => Promise<unknown>) {
    this.#steps.push(step);
  }
  async run() {
    const steps = this.#steps.splice(0).reverse();
    for (const step of steps) await step().catch(() => {});
  }
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const teardown = new Teardown();
  const legacyKeys = legacyKeysMode(options.legacyKeys);
  try {
    const [cluster, anvil, tronAnvil, keys] = await Promise.all([
      startCluster(),
      startAnvil(),
      startAnvil(),
      testKeys(),
    ]);
    teardown.add(() => cluster.stop());
    teardown.add(() => anvil.stop());
    teardown.add(() => tronAnvil.stop());

    const stackKeys: StackKeys = {
      ...keys,
      secretKey: `sb_secret_${randomToken(16)}`,
      publishableKey: `sb_publishable_${randomToken(16)}`,
      syncSecret: `sync_${randomToken(24)}`,
    };

    let database = options.database ?? "balance_sync";
    let databaseUrl: string;
    if (database === "postgres") {
      await options.beforeMigrate?.(cluster.sql, stackKeys);
      await cluster.migrate("postgres");
      databaseUrl = cluster.url("postgres");
    } else {
      databaseUrl = await cluster.createDatabase(database, { migrate: true });
    }
    database = new URL(databaseUrl).pathname.slice(1) || database;
    const sql = cluster.connect(database, { max: 4 });

    const [postgrest, tron] = await Promise.all([
      startPostgrest({
        databaseUrl,
        jwtSecret: TEST_JWT_SECRET,
        latencyMs: options.postgrestLatencyMs,
        apiKeys: { secret: [stackKeys.secretKey], publishable: [stackKeys.publishableKey] },
        legacyKeysDisabled: legacyKeys === "disabled",
      }),
      startTronNode({ anvilRpcUrl: tronAnvil.rpcUrl }),
      installMulticall3(anvil.rpcUrl, MULTICALL3_ADDRESS),
      options.tronMulticallEvmAddress
        ? installMulticall3(tronAnvil.rpcUrl, options.tronMulticallEvmAddress)
        : Promise.resolve(),
    ]);
    teardown.add(() => postgrest.stop());
    teardown.add(() => tron.stop());

    const functionEnv: Record<string, string> = {
      SUPABASE_URL: postgrest.url,
      SUPABASE_SERVICE_ROLE_KEY: stackKeys.serviceRoleKey,
      SUPABASE_ANON_KEY: stackKeys.anonKey,
      SUPABASE_SECRET_KEYS: JSON.stringify({ default: stackKeys.secretKey }),
      SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: stackKeys.publishableKey }),
      BALANCE_SYNC_SECRET: stackKeys.syncSecret,
      ...(legacyKeys === "disabled" ? { BALANCE_SYNC_REFUSE_LEGACY_KEYS: "true" } : {}),
    };

    const servers: FunctionServer[] = [];
    teardown.add(() => Promise.all(servers.map((s) => s.stop())));
    const serve = async (serveOptions: ServeFunctionOptions = {}) => {
      const server = await serveFunction({
        ...serveOptions,
        env: { ...functionEnv, ...serveOptions.env },
        syncSecret: stackKeys.syncSecret,
      });
      servers.push(server);
      return server;
    };
    const fn = options.function === false ? null : await serve(options.function ?? {});

    let stopped: Promise<void> | undefined;
    return {
      cluster,
      sql,
      database,
      databaseUrl,
      postgrest,
      anvil,
      tronAnvil,
      tron,
      keys: stackKeys,
      legacyKeys,
      fn,
      functionEnv,
      serveFunction: serve,
      stop: () => stopped ??= teardown.run(),
    };
  } catch (error) {
    await teardown.run();
    throw error;
  }
}

/**
 * Serves supabase/functions/balance-sync/index.ts with Deno, as its own process, the way the Edge
 * Runtime would run it: its own deno.json, only the environment given here.
 */
export async function serveFunction(
  options: ServeFunctionOptions & { env: Record<string, string>; syncSecret?: string },
): Promise<FunctionServer> {
  const inherited: Record<string, string> = {};
  for (const name of ["PATH", "HOME", "DENO_DIR", "XDG_CACHE_HOME", "TMPDIR"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) inherited[name] = value;
  }
  const entry = options.entrypoint ??
    { file: `${FUNCTION_DIR}/index.ts`, config: `${FUNCTION_DIR}/deno.json` };
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      ...(entry.config ? ["--config", entry.config] : ["--no-config"]),
      entry.file,
    ],
    cwd: options.entrypoint ? entry.file.slice(0, entry.file.lastIndexOf("/")) : repoRoot,
    clearEnv: true,
    env: {
      ...inherited,
      NO_COLOR: "1",
      ...options.env,
      BALANCE_SYNC_PORT: String(options.port ?? 0),
    },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();

  const lines: string[] = [];
  let resolvePort!: (port: number) => void;
  const listening = new Promise<number>((resolve) => (resolvePort = resolve));
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    let buffer = "";
    const decoder = new TextDecoder();
    const take = (line: string) => {
      lines.push(line);
      options.echo?.(line);
      if (line.includes('"msg":"Listening"')) {
        try {
          resolvePort(JSON.parse(line).port);
        } catch { /* not ours */ }
      }
    };
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        take(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    }
    if (buffer) take(buffer);
  };
  const pumped = Promise.all([pump(child.stdout), pump(child.stderr)]).catch(() => {});
  const exited = child.status;

  let stopping: Promise<void> | undefined;
  const stop = (signal: Deno.Signal = "SIGTERM") =>
    stopping ??= (async () => {
      try {
        child.kill(signal);
      } catch { /* already exited */ }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* gone */ }
      }, 3000);
      await exited;
      clearTimeout(timer);
      await pumped;
    })();

  let timer: ReturnType<typeof setTimeout> | undefined;
  let port: number;
  try {
    port = await Promise.race([
      listening,
      exited.then((status) => {
        throw new Error(
          `function server exited (code ${status.code}) before listening:\n${lines.join("\n")}`,
        );
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`function server not listening after 60 s:\n${lines.join("\n")}`)),
          60_000,
        );
      }),
    ]);
  } catch (error) {
    await stop("SIGKILL");
    throw error;
  } finally {
    clearTimeout(timer);
  }
  const startupMs = performance.now() - started;
  const url = `http://127.0.0.1:${port}${FUNCTION_PATH}`;

  return {
    url,
    port,
    pid: child.pid,
    lines,
    startupMs,
    exited,
    logs: () =>
      lines.flatMap((line) => {
        if (!line.startsWith("{")) return [];
        try {
          return [JSON.parse(line)];
        } catch {
          return [];
        }
      }),
    call: (body, headers) =>
      callFunction(url, body, headers ?? { [SYNC_SECRET_HEADER]: options.syncSecret ?? "" }),
    stop,
  };
}

/** One POST to the function; the body is JSON-encoded unless it is a string (sent as is). */
export async function callFunction(
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
  method = "POST",
): Promise<FunctionResponse> {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch { /* keep the text */ }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/**
 * One stack per test module: `start` runs on the first call, and the stack is stopped after the
 * module's last test.
 */
export function moduleStack(
  start: () => Promise<Stack> = () => startStack(),
): () => Promise<Stack> {
  let started: Promise<Stack> | undefined;
  Deno.test.afterAll(async () => {
    if (started) await (await started.catch(() => null))?.stop();
  });
  return () => started ??= start();
}
