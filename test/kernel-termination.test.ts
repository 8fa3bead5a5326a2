import { describe, expect, it } from "vitest";
import { TerminationGuard } from "../kernel/termination.js";

describe("TerminationGuard", () => {
  it("puts back the SIGINT listeners a terminated `vm` run took away", () => {
    const guard = new TerminationGuard();
    expect(guard.supported()).toBe(true);
    const others = process.rawListeners("SIGINT") as (() => void)[];
    const listener = () => undefined;
    try {
      guard.listenForSigint(listener);
      expect(process.listeners("SIGINT")).toContain(listener);
      // What `vm` does while code runs with breakOnSigint; a termination skips its finally.
      process.removeAllListeners("SIGINT");
      expect(guard.prepare()).toBe(true);
      guard.recover();
      expect(process.listeners("SIGINT").filter((l) => l === listener)).toHaveLength(1);
      // Recovering again (nothing prepared) adds nothing twice.
      guard.recover();
      expect(process.listeners("SIGINT").filter((l) => l === listener)).toHaveLength(1);
    } finally {
      process.removeAllListeners("SIGINT");
      for (const l of others) process.on("SIGINT", l);
    }
  });
});
