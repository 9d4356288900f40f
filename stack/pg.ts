/**
 * A throwaway PostgreSQL cluster for tests, shaped like a Supabase database.
 *
 * - Real PostgreSQL (the highest major under /usr/lib/postgresql/N) with the real pg_cron
 *   preloaded (`cron.database_name = 'postgres'`).
 * - Supabase's roles: `anon`, `authenticated`, `service_role` (nologin), `authenticator` (login,
 *   may SET ROLE to the three), and the superuser `postgres`; Supabase's default privileges in
 *   `public` (new tables and functions are granted to the API roles, the trap migrations must
 *   revoke), schema `extensions`, and `postgres`'s search_path `"$user", public, extensions`.
 * - The SQL-only stand-ins for `pg_net` and `supabase_vault` (stack/standins/standin_extensions/)
 *   installed as real extensions: PostgreSQL finds its share/ directory relative to the server
 *   binary, so the harness runs a private copy of the binary inside a private tree whose
 *   share/extension holds links to the real files plus the stand-ins. Nothing is installed into
 *   the system. `supabase_vault` is created in every database, as on Supabase.
 * - Migrations are applied by the real Supabase CLI (`supabase db push --db-url ... --yes`), run on
 *   a scratch copy of supabase/ with a scratch HOME so that nothing is written into the repo.
 *
 * PostgreSQL refuses to run as root: as root the server runs as the `postgres` system user
 * (`runuser`), otherwise as the current user. Every file lives under one temp directory that
 * `stop()` removes; a cluster left behind by a killed test process is swept by the next start.
 *
 * pg_cron can only be created in its one database, `postgres`. `createDatabase()` therefore
 * skips, in other databases, the migration files that create pg_cron; tests of the scheduling
 * migration use the `postgres` database (or a cluster of their own).
 */
import postgres from "postgres";
import { type ReservedPort, reservePort } from "./reserved_port.ts";

export type Sql = postgres.Sql;

export interface StartOptions {
  /** Apply supabase/migrations/* to the `postgres` database once the cluster is up. */
  migrate?: boolean;
}

export interface CreateDatabaseOptions {
  /** Apply supabase/migrations/* (see MigrateOptions.files for the default selection). */
  migrate?: boolean;
}

export interface MigrateOptions {
  /**
   * Which migration files (by file name) to apply. Default: all of them in the `postgres`
   * database; in any other database all but those that create pg_cron.
   */
  files?: (name: string, content: string) => boolean;
  /** The content pushed for a file (default: the file's own), e.g. an earlier version of it. */
  content?: (name: string, content: string) => string;
}

export interface ConnectOptions {
  user?: string;
  /** Pool size of the npm:postgres client (default 4). */
  max?: number;
  /** Receives the server's notices (default: dropped). */
  onnotice?: (notice: postgres.Notice) => void;
}

export interface Cluster {
  readonly port: number;
  readonly host: string;
  /** PostgreSQL major version of the server. */
  readonly major: number;
  /** Directory with psql, pg_dump, ... of the same major. */
  readonly bindir: string;
  /** Unix socket directory (the data directory). */
  readonly socketDir: string;
  /** The one database pg_cron runs in. */
  readonly cronDatabase: string;
  /** Superuser client on database `postgres`. */
  readonly sql: Sql;
  /** `postgresql://user@127.0.0.2:port/db?sslmode=disable`; db defaults to `postgres`. */
  url(db?: string, user?: string): string;
  /** A new client, closed by stop(). */
  connect(db?: string, options?: ConnectOptions): Sql;
  /**
   * Creates a database (Supabase setup included: vault, schema extensions, privileges) and
   * returns its url. With `migrate`, it is a copy of a database that `supabase db push` migrated
   * once per cluster (pg_cron migrations excluded, see migrate()).
   */
  createDatabase(name: string, options?: CreateDatabaseOptions): Promise<string>;
  /** Runs `supabase db push` against db; returns the names of the files the CLI applied. */
  migrate(db?: string, options?: MigrateOptions): Promise<string[]>;
  /** The server log so far (for failure messages). */
  log(): string;
  /** Stops the server and removes every file; safe to call twice. */
  stop(): Promise<void>;
}

export class ClusterError extends Error {
  constructor(message: string, readonly data: { step: string; output?: string }) {
    super(message);
    this.name = "ClusterError";
  }
}

const REPO_ROOT = new URL("../", import.meta.url).pathname;
const STANDIN_DIR = new URL("./standins/standin_extensions/", import.meta.url).pathname;
const TEMP_PREFIX = "balance-sync-pg-";
const CREATES_PG_CRON = /create\s+extension\s+(if\s+not\s+exists\s+)?"?pg_cron"?/i;

interface Installation {
  major: number;
  bindir: string;
  sharedir: string;
  pkglibdir: string;
}

interface Prepared {
  base: string;
  install: Installation;
  serverBin: string;
  template: string;
  asUser: string | null;
}

let prepared: Promise<Prepared> | undefined;
const bases = new Set<string>();
const live = new Set<LiveCluster>();
let clusterSeq = 0;

async function run(
  cmd: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; step: string },
): Promise<string> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, {
      args,
      env: options.env,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    throw new ClusterError(`${options.step}: cannot run ${cmd}: ${error}`, { step: options.step });
  }
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  if (!out.success) {
    throw new ClusterError(`${options.step} failed (exit ${out.code}):\n${text}`, {
      step: options.step,
      output: text,
    });
  }
  return text;
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

async function findInstallation(): Promise<Installation> {
  const root = "/usr/lib/postgresql";
  const majors: number[] = [];
  try {
    for (const entry of Deno.readDirSync(root)) {
      const major = Number(entry.name);
      if (
        Number.isInteger(major) && exists(`${root}/${entry.name}/bin/postgres`) &&
        exists(`${root}/${entry.name}/bin/initdb`)
      ) majors.push(major);
    }
  } catch { /* reported below */ }
  if (majors.length === 0) {
    throw new ClusterError(
      "PostgreSQL server binaries not found under /usr/lib/postgresql/N/bin. Install them with: " +
        "apt-get install -y postgresql postgresql-N-cron postgresql-N-pgtap (N = the major version)",
      { step: "find PostgreSQL" },
    );
  }
  const major = Math.max(...majors);
  const bindir = `${root}/${major}/bin`;
  const [sharedir, pkglibdir] = (await run(`${bindir}/pg_config`, ["--sharedir", "--pkglibdir"], {
    step: "pg_config",
  })).trim().split("\n");
  if (!exists(`${pkglibdir}/pg_cron.so`)) {
    throw new ClusterError(
      `pg_cron for PostgreSQL ${major} is missing: apt-get install -y postgresql-${major}-cron`,
      { step: "find pg_cron" },
    );
  }
  return { major, bindir, sharedir, pkglibdir };
}

/** The user the server runs as when we are root (PostgreSQL refuses root). */
async function serverUser(): Promise<string | null> {
  if (Deno.uid() !== 0) return null;
  try {
    await run("id", ["-u", "postgres"], { step: "find user postgres" });
  } catch {
    throw new ClusterError(
      "PostgreSQL refuses to run as root, and there is no 'postgres' system user to run it as. " +
        "Install the postgresql package (it creates that user) or run the tests as a non-root user.",
      { step: "find user postgres" },
    );
  }
  return "postgres";
}

function asServer(asUser: string | null, cmd: string, args: string[]): [string, string[]] {
  return asUser ? ["runuser", ["-u", asUser, "--", cmd, ...args]] : [cmd, args];
}

function commonDirPrefix(paths: string[]): string {
  const parts = paths.map((p) => p.split("/"));
  const common: string[] = [];
  for (let i = 0; parts.every((p) => i < p.length - 1 && p[i] === parts[0][i]); i++) {
    common.push(parts[0][i]);
  }
  return common.join("/") + "/";
}

function processAlive(pid: number): boolean {
  return exists(`/proc/${pid}`);
}

/** Removes what a killed test process left behind: its servers and its temp directory. */
function sweepStale(tmp: string): void {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(tmp)];
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory || !entry.name.startsWith(TEMP_PREFIX)) continue;
    const owner = Number(entry.name.slice(TEMP_PREFIX.length).split("-")[0]);
    if (!Number.isInteger(owner) || processAlive(owner)) continue;
    const dir = `${tmp}/${entry.name}`;
    try {
      for (const sub of Deno.readDirSync(dir)) {
        const data = `${dir}/${sub.name}/data`;
        const pid = postmasterPid(data);
        if (pid && processAlive(pid)) {
          const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
          if (cmdline.includes(data)) Deno.kill(pid, "SIGQUIT");
        }
      }
      Deno.removeSync(dir, { recursive: true });
    } catch { /* another process may be sweeping it too */ }
  }
}

function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(Deno.readTextFileSync(`${dataDir}/postmaster.pid`).split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

async function prepare(): Promise<Prepared> {
  const install = await findInstallation();
  const asUser = await serverUser();
  const tmp = Deno.env.get("TMPDIR") ?? "/tmp";
  sweepStale(tmp);
  const base = await Deno.makeTempDir({ dir: tmp, prefix: `${TEMP_PREFIX}${Deno.pid}-` });
  bases.add(base);
  await Deno.chmod(base, 0o755);

  // Private tree: PostgreSQL derives share/ and lib/ from the location of its own binary
  // (relative to the compiled-in bindir), so a copy of the binary at the same relative place
  // uses our share/extension, which links every real file plus the stand-ins.
  const prefix = commonDirPrefix([install.bindir, install.sharedir, install.pkglibdir]);
  const tree = `${base}/tree/`;
  const privateBin = tree + install.bindir.slice(prefix.length);
  const privateShare = tree + install.sharedir.slice(prefix.length);
  const privateLib = tree + install.pkglibdir.slice(prefix.length);
  await Deno.mkdir(privateBin, { recursive: true });
  await Deno.mkdir(`${privateShare}/extension`, { recursive: true });
  await Deno.mkdir(privateLib.slice(0, privateLib.lastIndexOf("/")), { recursive: true });
  if (!exists(privateLib)) await Deno.symlink(install.pkglibdir, privateLib);
  const serverBin = `${privateBin}/postgres`;
  await Deno.copyFile(`${install.bindir}/postgres`, serverBin);
  await Deno.chmod(serverBin, 0o755);
  for (const entry of Deno.readDirSync(install.sharedir)) {
    if (entry.name === "extension") continue;
    await Deno.symlink(`${install.sharedir}/${entry.name}`, `${privateShare}/${entry.name}`);
  }
  for (const entry of Deno.readDirSync(`${install.sharedir}/extension`)) {
    await Deno.symlink(
      `${install.sharedir}/extension/${entry.name}`,
      `${privateShare}/extension/${entry.name}`,
    );
  }
  for (const entry of Deno.readDirSync(STANDIN_DIR)) {
    if (entry.name.endsWith(".control") || entry.name.endsWith(".sql")) {
      await Deno.copyFile(`${STANDIN_DIR}${entry.name}`, `${privateShare}/extension/${entry.name}`);
    }
  }
  await run("chmod", ["-R", "a+rX", `${base}/tree`], { step: "private tree" });

  const template = `${base}/template`;
  await Deno.mkdir(template, { mode: 0o700 });
  if (asUser) await run("chown", [asUser, template], { step: "chown template" });
  const [cmd, args] = asServer(asUser, `${install.bindir}/initdb`, [
    "-D",
    template,
    "-U",
    "postgres",
    "-A",
    "trust",
    "-E",
    "UTF8",
    "--no-locale",
    "--no-sync",
  ]);
  await run(cmd, args, { step: "initdb" });
  return { base, install, serverBin, template, asUser };
}

const SETUP_CLUSTER = `
create role anon nologin noinherit;
create role authenticated nologin noinherit;
create role service_role nologin noinherit bypassrls;
create role authenticator login noinherit;
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres;
-- Hosted Supabase's timeouts: the API connects as authenticator (8 s); PostgREST applies the
-- impersonated role's own setting (anon 3 s, authenticated 8 s; service_role has none and keeps
-- authenticator's).
alter role authenticator set statement_timeout = '8s';
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';
alter role postgres set search_path = "$user", public, extensions;
`;

const SETUP_DATABASE = `
create schema if not exists extensions;
grant usage on schema public, extensions to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on tables to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on functions to anon, authenticated, service_role;
alter default privileges for role postgres in schema public
  grant all on sequences to anon, authenticated, service_role;
create extension if not exists supabase_vault;
`;

class LiveCluster implements Cluster {
  readonly cronDatabase = "postgres";
  readonly sql: Sql;
  readonly major: number;
  readonly bindir: string;
  readonly socketDir: string;
  #clients: Sql[] = [];
  #stopped = false;
  #pushSeq = 0;
  #migratedTemplate: Promise<string> | undefined;

  readonly host: string;
  readonly port: number;

  constructor(
    readonly reserved: ReservedPort,
    readonly dir: string,
    readonly prep: Prepared,
    readonly child: Deno.ChildProcess,
    readonly exited: Promise<Deno.CommandStatus>,
    readonly stderrDone: Promise<void>,
    readonly stderrText: () => string,
  ) {
    this.host = reserved.host;
    this.port = reserved.port;
    this.major = prep.install.major;
    this.bindir = prep.install.bindir;
    this.socketDir = `${dir}/data`;
    this.sql = this.connect("postgres");
  }

  url(db = "postgres", user = "postgres"): string {
    return `postgresql://${user}@${this.host}:${this.port}/${db}?sslmode=disable`;
  }

  connect(db = "postgres", options: ConnectOptions = {}): Sql {
    const client = postgres({
      host: this.host,
      port: this.port,
      database: db,
      username: options.user ?? "postgres",
      max: options.max ?? 4,
      onnotice: options.onnotice ?? (() => {}),
      connection: { application_name: "balance-sync-tests" },
    });
    this.#clients.push(client);
    return client;
  }

  async createDatabase(name: string, options: CreateDatabaseOptions = {}): Promise<string> {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) {
      throw new ClusterError(`invalid database name ${JSON.stringify(name)}`, {
        step: "create database",
      });
    }
    if (options.migrate) {
      const template = await (this.#migratedTemplate ??= this.#buildMigratedTemplate());
      await this.sql.unsafe(`create database "${name}" template "${template}"`);
    } else {
      await this.sql.unsafe(`create database "${name}"`);
    }
    return this.url(name);
  }

  // The CLI takes about a second per push, so migrated databases are cloned from one database
  // that the CLI migrated (CREATE DATABASE ... TEMPLATE copies it byte for byte).
  async #buildMigratedTemplate(): Promise<string> {
    const name = "balance_sync_migrated_template";
    await this.sql.unsafe(`create database "${name}"`);
    await this.migrate(name);
    return name;
  }

  async migrate(db = "postgres", options: MigrateOptions = {}): Promise<string[]> {
    const files = options.files ??
      ((_name: string, content: string) =>
        db === this.cronDatabase || !CREATES_PG_CRON.test(content));
    const work = `${this.dir}/push-${++this.#pushSeq}`;
    const migrations = `${work}/project/supabase/migrations`;
    const home = `${work}/home`;
    await Deno.mkdir(migrations, { recursive: true });
    await Deno.mkdir(home, { recursive: true });
    try {
      const sourceDir = `${REPO_ROOT}supabase/migrations`;
      const names = [...Deno.readDirSync(sourceDir)]
        .filter((e) => e.isFile && e.name.endsWith(".sql"))
        .map((e) => e.name)
        .sort();
      let chosen = 0;
      for (const name of names) {
        const content = await Deno.readTextFile(`${sourceDir}/${name}`);
        if (!files(name, content)) continue;
        await Deno.writeTextFile(
          `${migrations}/${name}`,
          options.content?.(name, content) ?? content,
        );
        chosen++;
      }
      if (exists(`${REPO_ROOT}supabase/config.toml`)) {
        await Deno.copyFile(
          `${REPO_ROOT}supabase/config.toml`,
          `${work}/project/supabase/config.toml`,
        );
      }
      if (chosen === 0) return [];
      const output = await run(supabaseCli(), [
        "db",
        "push",
        "--db-url",
        this.url(db),
        "--yes",
      ], {
        cwd: `${work}/project`,
        env: { HOME: home, SUPABASE_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1" },
        step: `supabase db push (${db})`,
      }).catch((error) => {
        if (error instanceof ClusterError) {
          error.message += `\n--- server log (tail) ---\n${this.log().slice(-4000)}`;
        }
        throw error;
      });
      return [...output.matchAll(/Applying migration (\S+?)\.\.\./g)].map((m) => m[1]);
    } finally {
      await Deno.remove(work, { recursive: true }).catch(() => {});
    }
  }

  log(): string {
    return this.stderrText();
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    live.delete(this);
    await Promise.allSettled(this.#clients.map((c) => c.end({ timeout: 1 })));
    await stopServer(this.dir, this.child, this.exited);
    await settle(this.stderrDone, 3000);
    await Deno.remove(this.dir, { recursive: true }).catch(() => {});
    this.reserved.release();
  }

  /** Synchronous last resort when the test process exits without stop(). */
  killNow(): void {
    const pid = postmasterPid(`${this.dir}/data`);
    try {
      if (pid) Deno.kill(pid, "SIGQUIT");
    } catch { /* already gone */ }
    try {
      this.child.kill("SIGKILL");
    } catch { /* already gone */ }
    this.reserved.release();
  }
}

function supabaseCli(): string {
  const fromEnv = Deno.env.get("SUPABASE_CLI");
  if (fromEnv) return fromEnv;
  const local = `${REPO_ROOT}tools/node_modules/.bin/supabase`;
  return exists(local) ? local : "supabase";
}

/** Waits for p, at most ms (a stray process could keep the server's stderr pipe open). */
async function settle(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    p.catch(() => {}),
    new Promise((resolve) => timer = setTimeout(resolve, ms)),
  ]);
  clearTimeout(timer);
}

async function stopServer(
  dir: string,
  child: Deno.ChildProcess,
  exited: Promise<Deno.CommandStatus>,
): Promise<void> {
  const pid = postmasterPid(`${dir}/data`);
  const signal = (sig: Deno.Signal) => {
    try {
      if (pid) Deno.kill(pid, sig);
      else child.kill(sig);
    } catch { /* already gone */ }
  };
  // Fast shutdown; escalate to immediate shutdown, then kill.
  for (const [sig, waitMs] of [["SIGINT", 5000], ["SIGQUIT", 3000], ["SIGKILL", 3000]] as const) {
    signal(sig);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const done = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), waitMs)),
    ]);
    clearTimeout(timer);
    if (done) return;
  }
}

async function launch(prep: Prepared): Promise<LiveCluster> {
  const dir = `${prep.base}/cluster-${++clusterSeq}`;
  await Deno.mkdir(dir);
  await Deno.chmod(dir, 0o755);
  const data = `${dir}/data`;
  await run("cp", ["-a", prep.template, data], { step: "copy template" });

  // PostgreSQL cannot bind port 0 and report the port, so it binds a reserved one: no other
  // server can take it between the reservation and the server's bind.
  for (let attempt = 1;; attempt++) {
    const reserved = reservePort();
    const port = reserved.port;
    const [cmd, args] = asServer(prep.asUser, prep.serverBin, [
      "-D",
      data,
      "-p",
      String(port),
      "-c",
      `listen_addresses=${reserved.host}`,
      "-c",
      `unix_socket_directories=${data}`,
      "-c",
      "shared_preload_libraries=pg_cron",
      "-c",
      "cron.database_name=postgres",
      "-c",
      `cron.host=${data}`,
      "-c",
      "fsync=off",
      "-c",
      "synchronous_commit=off",
      "-c",
      "full_page_writes=off",
      "-c",
      "wal_level=minimal",
      "-c",
      "max_wal_senders=0",
      "-c",
      "shared_buffers=64MB",
      "-c",
      "max_connections=120",
      "-c",
      "log_min_messages=warning",
      "-c",
      "log_line_prefix=%m [%p] %q%u@%d ",
    ]);
    const child = new Deno.Command(cmd, { args, stdin: "null", stdout: "null", stderr: "piped" })
      .spawn();
    let stderr = "";
    const stderrDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write(chunk) {
          stderr = (stderr + chunk).slice(-200_000);
        },
      }),
    );
    let exitedEarly = false;
    const exited = child.status.then((status) => {
      exitedEarly = true;
      return status;
    });
    const deadline = Date.now() + 30_000;
    while (!exitedEarly && Date.now() < deadline) {
      try {
        const lines = Deno.readTextFileSync(`${data}/postmaster.pid`).split("\n");
        if (lines[7]?.trim() === "ready") break;
      } catch { /* not written yet */ }
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    if (!exitedEarly && Date.now() < deadline) {
      const cluster = new LiveCluster(reserved, dir, prep, child, exited, stderrDone, () => stderr);
      live.add(cluster);
      try {
        await cluster.sql.unsafe(SETUP_CLUSTER);
        for (const db of ["template1", "postgres"]) {
          const client = cluster.connect(db, { max: 1 });
          await client.unsafe(SETUP_DATABASE);
          await client.end();
        }
      } catch (error) {
        await cluster.stop();
        throw error;
      }
      return cluster;
    }
    await stopServer(dir, child, exited);
    await settle(stderrDone, 3000);
    reserved.release();
    if (exitedEarly && /could not bind|already in use/i.test(stderr) && attempt < 5) continue;
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw new ClusterError(
      `PostgreSQL did not start${exitedEarly ? "" : " within 30 s"}:\n${stderr}`,
      { step: "start server", output: stderr },
    );
  }
}

globalThis.addEventListener("unload", () => {
  for (const cluster of live) cluster.killNow();
  live.clear();
  for (const base of bases) {
    try {
      Deno.removeSync(base, { recursive: true });
    } catch { /* best effort */ }
  }
});

/** Starts a fresh cluster (about 0.3 s after the first one of a test module, which initdb's). */
export async function startCluster(options: StartOptions = {}): Promise<Cluster> {
  prepared ??= prepare();
  let prep: Prepared;
  try {
    prep = await prepared;
  } catch (error) {
    prepared = undefined;
    throw error;
  }
  const cluster = await launch(prep);
  if (options.migrate) {
    try {
      await cluster.migrate("postgres");
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }
  return cluster;
}

/** Runs fn with a fresh cluster and always stops it. */
export async function withCluster<T>(
  fn: (cluster: Cluster) => Promise<T>,
  options: StartOptions = {},
): Promise<T> {
  const cluster = await startCluster(options);
  try {
    return await fn(cluster);
  } finally {
    await cluster.stop();
  }
}

/**
 * One cluster shared by the tests of a module, started on first use and stopped after the
 * module's last test (Deno.test.afterAll), even when tests fail. Call at module top level.
 * Tests using it need `sanitizeResources: false, sanitizeOps: false`.
 */
export function sharedCluster(options: StartOptions = {}): () => Promise<Cluster> {
  let started: Promise<Cluster> | undefined;
  Deno.test.afterAll(async () => {
    if (started) await (await started.catch(() => null))?.stop();
  });
  return () => started ??= startCluster(options);
}
