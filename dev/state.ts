/** Where `deno task dev` tells `deno task dev:transfer` how to reach it. */
import { repoRoot } from "../tests/support/bin.ts";

export const STATE_FILE = `${repoRoot}/.tmp/dev-stack.json`;

export interface DevState {
  /** Base URL serving POST /_dev/transfer. */
  controlUrl: string;
  functionUrl: string | null;
  /** The local stack's service-role key (a test key), for the force-sync curl. */
  serviceRoleKey: string | null;
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
