/** The other workers' columns of wallet_balances: the sync must never write them. */
export const PROTECTED_COLUMNS = [
  "needs_gas",
  "needs_consolidation",
  "priority",
  "gas_locked_until",
  "gas_locked_by",
  "consolidation_locked_until",
  "consolidation_locked_by",
] as const;
