/**
 * A discrete-time run of the TRON pacer on a fake clock, for its unit tests: a backlog of requests
 * that each hold their slot for a random latency, timers that fire early or late (adversarially,
 * from a seeded generator), and a node that sees each request at a random point between the
 * pacer's grant and the answer: anything in between (a busy event loop, the network, the node's
 * queue) may delay it that long, and no longer.
 */
import {
  Pacer,
  type PacerClock,
} from "../../../supabase/functions/balance-sync/chains/tron/pacer.ts";

export interface PacerSimOptions {
  maxRps: number;
  maxConcurrency: number;
  seconds: number;
  seed: number;
  /** A pacer timer fires up to this much before its time... */
  timerEarlyMs: number;
  /** ...or up to this much after it. */
  timerLateMs: number;
  /** From grant to answer: [min, max] ms; the node sees the request somewhere in between. */
  latencyMs: [number, number];
}

/** Deterministic numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Timer {
  at: number;
  run: () => void;
  pacer: boolean;
}

const settle = async () => {
  for (let i = 0; i < 8; i++) await Promise.resolve();
};

export async function simulatePacer(
  options: PacerSimOptions,
): Promise<{ arrivals: number[]; grants: number[]; timersFired: number }> {
  const rand = random(options.seed);
  let now = 0;
  let timers: Timer[] = [];
  let timersFired = 0;
  const clock: PacerClock = {
    now: () => now,
    setTimeout: (run, ms) => {
      const skew = rand() < 0.5 ? -rand() * options.timerEarlyMs : rand() * options.timerLateMs;
      const timer = { at: now + Math.max(0, ms + skew), run, pacer: true };
      timers.push(timer);
      return timer;
    },
    clearTimeout: (handle) => {
      timers = timers.filter((t) => t !== handle);
    },
  };
  const pacer = new Pacer(options, { clock });
  const grants: number[] = [];
  const arrivals: number[] = [];
  const end = options.seconds * 1000;
  const [low, high] = options.latencyMs;

  const ask = () => {
    pacer.acquire().then((release) => {
      grants.push(now);
      const answerAfter = low + rand() * (high - low);
      arrivals.push(now + rand() * answerAfter);
      timers.push({ at: now + answerAfter, run: release, pacer: false });
      ask(); // the backlog never runs dry
    });
  };
  for (let i = 0; i < options.maxConcurrency + 2; i++) ask();
  await settle();
  while (timers.length > 0) {
    timers.sort((a, b) => a.at - b.at);
    const next = timers.shift()!;
    if (next.at >= end) break;
    now = Math.max(now, next.at);
    if (next.pacer) timersFired++;
    next.run();
    await settle();
  }
  return { arrivals: arrivals.filter((t) => t < end).sort((a, b) => a - b), grants, timersFired };
}
