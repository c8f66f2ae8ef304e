/**
 * The most calls one tRPC request may carry: the server refuses a larger batch outright (400) and the
 * browser's client never sends one, so one request cannot queue minutes of work (say, 300 sign-ups).
 */
export const TRPC_MAX_BATCH_SIZE = 20;
