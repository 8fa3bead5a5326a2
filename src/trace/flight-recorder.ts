/**
 * The flight recorder: every outermost module call (`net(x)`) is recorded —
 * shapes and op parameters only, no timing, no values — so that when a
 * forward fails on shapes, the error can show the steps up to the failing one
 * and explain them, without the user having asked for a trace.
 *
 * The cost is a few small objects per layer; outside module calls the op hook
 * has no listener and costs a counter check (bench/trace.ts measures both).
 * `trace()` uses the same machinery with timing and activations switched on.
 *
 * @example
 * try { net(torch.randn(1, 1, 64, 64)) } catch (e) {
 *   e.trace.failedRow.path            // "fc1"
 *   display(e)                        // the trace, the arithmetic, the sizes that work, the fixes
 * }
 * setFlightRecorder(false);           // switch it off (measurements, or a hot loop that cannot spare it)
 */
import { addModuleCallListener } from "../nn/call-context.js";
import { addOpListener, resetOpHook } from "../ops/op-hook.js";
import { type RecordOptions, Recorder } from "./recorder.js";

const FLIGHT: RecordOptions = { timing: false, keepActivations: false };

let enabled = true;
let pending: RecordOptions | null = null;
let active: { rec: Recorder; stopOps: () => void; module: object } | null = null;
let last: { module: object; rec: Recorder } | null = null;
const lastGood = new WeakMap<object, Recorder>();
let failureHandler: ((rec: Recorder, error: unknown) => void) | null = null;

/** Switches the always-on recording of module calls on or off (`trace()` records either way). Returns the previous state. */
export function setFlightRecorder(on: boolean): boolean {
  const was = enabled;
  enabled = on;
  return was;
}

/** Whether module calls are recorded when no trace was asked for. */
export function flightRecorderEnabled(): boolean {
  return enabled;
}

/** @internal The options the next outermost call records with (`trace()` sets them; null restores the default). */
export function setPendingOptions(options: RecordOptions | null): void {
  pending = options;
}

/** @internal The recording of the last outermost call, if it was a call of `module` (taken: a second call returns null). */
export function takeRecording(module: object): Recorder | null {
  if (last === null || last.module !== module) return null;
  const rec = last.rec;
  last = null;
  return rec;
}

/** The recording of `module`'s last successful outermost call, if any (used to solve a later failure with every step). */
export function lastSuccessfulRecording(module: object): Recorder | undefined {
  return lastGood.get(module);
}

/** @internal What to do with a failed recording (explain.ts attaches the trace to the error). */
export function setFailureHandler(handler: ((rec: Recorder, error: unknown) => void) | null): void {
  failureHandler = handler;
}

addModuleCallListener({
  onModuleEnter(frame, args) {
    if (frame.parent === null) {
      // A call abandoned without unwinding (a stopped cell) leaves its recorder behind: drop it.
      if (active !== null) {
        active.stopOps();
        active = null;
        // Its ops were abandoned too: no hooked op is running when a new outermost call starts.
        resetOpHook();
      }
      if (!enabled && pending === null) return;
      const rec = new Recorder(pending ?? FLIGHT);
      active = { rec, stopOps: addOpListener(rec), module: frame.module };
    }
    active?.rec.onModuleEnter(frame, args);
  },
  onModuleExit(frame, outcome) {
    if (active === null) return;
    active.rec.onModuleExit(frame, outcome);
    if (frame.parent !== null) return;
    const { rec, stopOps, module } = active;
    active = null;
    stopOps();
    rec.closeAll();
    last = { module, rec };
    // Only shape recordings are kept (a trace that kept activations would keep its tensors alive).
    if (rec.error === undefined) {
      if (!rec.options.keepActivations) lastGood.set(module, rec);
    }
    else failureHandler?.(rec, rec.error);
  },
});
