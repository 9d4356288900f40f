/**
 * One `deno task dev` per checkout (per BALANCE_SYNC_DEV_DIR): the state file, the function log
 * and the fixed ports belong to it. A second one refuses to start and says where the first runs.
 * The lock is a file created exclusively; one whose process is gone is taken over.
 */
import { DEV_DIR, LOCK_FILE, readState } from "./state.ts";

export interface DevLock {
  release(): void;
}

interface LockContent {
  pid: number;
  started: string;
}

/** True when pid is a live process running dev/main.ts. */
function isDevProcess(pid: number): boolean {
  try {
    const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    return cmdline.includes("dev/main.ts");
  } catch {
    return false;
  }
}

export class StackAlreadyRunning extends Error {
  override name = "StackAlreadyRunning";
  constructor(readonly holder: LockContent) {
    const state = readState();
    const where = state?.pid === holder.pid
      ? [
        state.functionUrl ? `  function   ${state.functionUrl}` : null,
        `  control    ${state.controlUrl}`,
        state.databaseUrl ? `  database   ${state.databaseUrl}` : null,
      ].filter(Boolean).join("\n")
      : "  (still starting)";
    super(
      `Another \`deno task dev\` runs in this checkout (pid ${holder.pid}, started ${
        holder.started.slice(11, 19)
      } UTC):\n${where}\n` +
        `Use that one (deno task dev:transfer, deno task dev:sync work with it), or stop it with ` +
        `Ctrl-C in its terminal first. A second stack needs its own BALANCE_SYNC_DEV_DIR.`,
    );
  }
}

export function acquireDevLock(): DevLock {
  Deno.mkdirSync(DEV_DIR, { recursive: true });
  for (let attempt = 0;; attempt++) {
    try {
      const file = Deno.openSync(LOCK_FILE, { write: true, createNew: true, mode: 0o600 });
      const content: LockContent = { pid: Deno.pid, started: new Date().toISOString() };
      file.writeSync(new TextEncoder().encode(JSON.stringify(content) + "\n"));
      file.close();
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          try {
            const current = JSON.parse(Deno.readTextFileSync(LOCK_FILE)) as LockContent;
            if (current.pid === Deno.pid) Deno.removeSync(LOCK_FILE);
          } catch { /* gone already */ }
        },
      };
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists) || attempt > 2) throw error;
    }
    let holder: LockContent | null = null;
    try {
      holder = JSON.parse(Deno.readTextFileSync(LOCK_FILE));
    } catch { /* half written or gone: treat as stale */ }
    if (holder && holder.pid !== Deno.pid && isDevProcess(holder.pid)) {
      throw new StackAlreadyRunning(holder);
    }
    // Left by a stack that was killed: take it over.
    try {
      Deno.removeSync(LOCK_FILE);
    } catch { /* someone else removed it */ }
  }
}
