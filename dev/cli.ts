/** Command lines of the dev tasks: `--help` prints usage and nothing else; unknown flags exit 2. */
import { parseArgs, type ParseArgsConfig } from "node:util";

export const DEV_USAGE =
  `Usage: deno task dev [--plain] [--legacy-keys=disabled] [--chains-only [--db-url=URL]]

Runs the whole balance-sync system on this machine (no Docker): PostgreSQL with pg_cron, anvil,
the TRON stand-in, the PostgREST and pg_net stand-ins, and the function behind a gateway at
http://127.0.0.1:54321. Installs the pinned tools first. Ctrl-C stops everything.

  --plain          print what changed and a status line instead of redrawing the screen
  --legacy-keys=disabled
                   run as a hosted project that disabled its legacy JWT keys: the API refuses
                   them, only the sb_secret_/sb_publishable_ keys work (default: enabled; also
                   BALANCE_SYNC_LEGACY_KEYS)
  --chains-only    only the demo chains, on 0.0.0.0:8545 (EVM) and 0.0.0.0:8090 (TRON), for
                   \`supabase start\`
  --db-url=URL     with --chains-only: the database holding the seed
                   (default postgresql://postgres:postgres@127.0.0.1:54322/postgres)
  -h, --help       print this and exit

In the live view: f forces a sync of every row, t moves demo funds.
Other terminals: deno task dev:transfer (move funds), deno task dev:sync (force a sync).`;

export const TRANSFER_USAGE = `Usage: deno task dev:transfer

Asks the running \`deno task dev\` to move a tenth of some demo funds between two demo wallets on
each local chain, and prints what moved. pg_cron syncs them on its next run, or force a sync
with \`deno task dev:sync\`.

  -h, --help   print this and exit`;

export const SYNC_USAGE = `Usage: deno task dev:sync

Forces a sync of every row now: asks the running \`deno task dev\` to POST {"chain_id": …} to
the function for every chain that has rows, and prints each run's counts.

  -h, --help   print this and exit`;

export interface DevArgs {
  plain: boolean;
  /** null: the stack's default (BALANCE_SYNC_LEGACY_KEYS, else enabled). */
  legacyKeys: "enabled" | "disabled" | null;
  chainsOnly: boolean;
  dbUrl: string | null;
}

/** The parsed flags, or an exit code after printing (0 for --help, 2 for a bad command line). */
function parse<T>(
  args: string[],
  usage: string,
  command: string,
  options: NonNullable<ParseArgsConfig["options"]>,
  build: (values: Record<string, unknown>) => T,
): T | number {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: args.filter((a) => a !== "--"),
      options: { ...options, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error(`${command}: ${(error as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  return build(values);
}

export function parseDevArgs(args: string[]): DevArgs | number {
  const parsed = parse(args, DEV_USAGE, "deno task dev", {
    plain: { type: "boolean" },
    "chains-only": { type: "boolean" },
    "db-url": { type: "string" },
    "legacy-keys": { type: "string" },
  }, (v) => ({
    plain: v.plain === true,
    legacyKeys: typeof v["legacy-keys"] === "string"
      ? v["legacy-keys"] as DevArgs["legacyKeys"]
      : null,
    chainsOnly: v["chains-only"] === true,
    dbUrl: typeof v["db-url"] === "string" ? v["db-url"] : null,
  }));
  if (
    typeof parsed !== "number" && parsed.legacyKeys !== null &&
    !["enabled", "disabled"].includes(parsed.legacyKeys)
  ) {
    console.error(`deno task dev: --legacy-keys is "enabled" or "disabled"\n\n${DEV_USAGE}`);
    return 2;
  }
  if (typeof parsed !== "number" && parsed.dbUrl !== null && !parsed.chainsOnly) {
    console.error(`deno task dev: --db-url goes with --chains-only\n\n${DEV_USAGE}`);
    return 2;
  }
  return parsed;
}

/** For commands without options: null to go on, or the exit code. */
export function parseNoArgs(args: string[], usage: string, command: string): number | null {
  const parsed = parse(args, usage, command, {}, () => null);
  return parsed;
}
