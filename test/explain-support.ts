/** What the explanation tests share: the explanation of a forward that is expected to fail. */
import type { Explanation } from "../src/trace/explain.js";

/** The explanation attached to the shape error `run` throws (rethrows other errors; fails when nothing throws). */
export function explanationOf(run: () => unknown): Explanation {
  try {
    run();
  } catch (e) {
    const ex = (e as { explanation?: Explanation }).explanation;
    if (!ex) throw e;
    return ex;
  }
  throw new Error("the forward did not fail");
}
