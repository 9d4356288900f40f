/** Where `deno task dev` tells `deno task dev:transfer` and `dev:sync` how to reach it. */
import { repoRoot } from "../stack/bin.ts";

/** Where the dev stack keeps its state file and the function's log (BALANCE_SYNC_DEV_DIR). */
export const DEV_DIR = Deno.env.get("BALANCE_SYNC_DEV_DIR") || `${repoRoot}/.tmp`;
export const STATE_FILE = `${DEV_DIR}/dev-stack.json`;
/** Held by the one `deno task dev` of this DEV_DIR (dev/lock.ts). */
export const LOCK_FILE = `${DEV_DIR}/dev-stack.lock`;
export const FUNCTION_LOG = `${DEV_DIR}/dev-function.log`;

export interface DevState {
  /** Base URL serving POST /_dev/transfer and /_dev/sync. */
  controlUrl: string;
  functionUrl: string | null;
  /** The local stack's legacy service-role JWT (a test key); refused with legacy keys disabled. */
  serviceRoleKey: string | null;
  /** The local stack's secret key (`sb_secret_...`, a test key), for a force-sync by hand. */
  secretKey: string | null;
  /** "disabled": the stack runs as a project that disabled its legacy keys. */
  legacyKeys?: "enabled" | "disabled";
  /** The database pg_cron runs in (null with --chains-only). */
  databaseUrl: string | null;
  pid: number;
}

export function readState(): DevState | null {
  try {
    return JSON.parse(Deno.readTextFileSync(STATE_FILE));
  } catch {
    return null;
  }
}

/** The short command the view and dev:transfer print to force a sync of every row now. */
export const FORCE_COMMAND = "deno task dev:sync";
