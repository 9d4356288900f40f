/** Where `deno task dev` tells `deno task dev:transfer` how to reach it. */
import { repoRoot } from "../tests/support/bin.ts";

/** Where the dev stack keeps its state file and the function's log (BALANCE_SYNC_DEV_DIR). */
export const DEV_DIR = Deno.env.get("BALANCE_SYNC_DEV_DIR") || `${repoRoot}/.tmp`;
export const STATE_FILE = `${DEV_DIR}/dev-stack.json`;

export interface DevState {
  /** Base URL serving POST /_dev/transfer. */
  controlUrl: string;
  functionUrl: string | null;
  /** The local stack's service-role key (a test key), for the force-sync curl. */
  serviceRoleKey: string | null;
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

/** The curl that forces a sync through the gateway, as printed to the developer. */
export const forceSyncCurl = (functionUrl: string, serviceRoleKey: string, body = "{}") =>
  `curl -sS -X POST ${functionUrl} -H "Authorization: Bearer ${serviceRoleKey}" ` +
  `-H "Content-Type: application/json" -d '${body}'`;
