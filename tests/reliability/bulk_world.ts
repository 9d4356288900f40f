/**
 * A large two-family world for the concurrency test: seedWorld's (stack/data.ts), whose inserts
 * are set-based and whose balances are set in batches, with `wallets` wallets.
 */
import type { Stack } from "../../stack/stack.ts";
import { seedWorld, type World, type WorldOptions } from "../../stack/data.ts";

export const seedBulkWorld = (
  stack: Stack,
  wallets: number,
  options: WorldOptions = {},
): Promise<World> => seedWorld(stack, { ...options, wallets });
