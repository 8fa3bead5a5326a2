/** Int32 slots shared by the REPL's main thread and its interrupt thread (`interrupt-thread.ts`). */
export const ReplSlot = {
  /** 1 while input runs. */
  RUNNING: 0,
  /** Set by the interrupt thread on Ctrl+C; cleared by the main thread's SIGINT listener, which proves it is responsive. */
  PENDING: 1,
  /** Above 0 while the main thread compiles input (not to be terminated lightly). */
  PROTECTED: 2,
  /** 1 once the watcher process listens for SIGINT. */
  WATCHING: 3,
} as const;
export const REPL_SLOTS = 4;
