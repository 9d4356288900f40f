/** Asks the running `deno task dev` to do something through its control endpoint. */
import { type DevState, readState } from "./state.ts";

export interface ControlAnswer {
  state: DevState;
  body: { lines: string[]; error?: string; failedChains?: number };
}

/**
 * POSTs `/_dev/<action>` to the running stack and returns its answer; exits 1 with a message
 * saying what to do when no stack runs, it does not answer, or the action failed.
 */
export async function askRunningStack(
  action: string,
  failed: string,
  ready: (state: DevState) => string | null = () => null,
): Promise<ControlAnswer> {
  const state = readState();
  if (!state) {
    return quit("No local stack is running. Start one with `deno task dev` (in another terminal).");
  }
  const notReady = ready(state);
  if (notReady) return quit(notReady);
  let response: Response;
  try {
    response = await fetch(`${state.controlUrl}/_dev/${action}`, { method: "POST" });
  } catch {
    return quit(
      `The local stack at ${state.controlUrl} does not answer. Is \`deno task dev\` still running?`,
    );
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) return quit(`${failed}: ${body.error ?? response.status}`);
  return { state, body };
}

function quit(message: string): never {
  console.error(message);
  Deno.exit(1);
}
