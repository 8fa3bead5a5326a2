/**
 * A plain-JavaScript cell evaluator with the kernel's evaluator interface, showing that the
 * kernel works with any module named by `TSORCH_EVALUATOR=<this file>`, TypeScript or not.
 * Synchronous code runs under `vm` with `breakOnSigint`; a cell using `await` runs as an async
 * function (its declarations then stay local to it).
 */
import vm from "node:vm";
import { inspect } from "node:util";

export class CellEvaluator {
  constructor({ globals }) {
    this.context = vm.createContext({ ...globals, process, Buffer, URL, TextEncoder, TextDecoder, queueMicrotask });
  }

  async warmUp() {}

  async execute(code, executionCount) {
    const filename = `Cell In[${executionCount}]`;
    try {
      if (/\bawait\b/.test(code)) {
        const fn = vm.runInContext(`(async () => {\n${code}\n})`, this.context, { filename, breakOnSigint: true });
        await fn();
        return { status: "ok", value: undefined, hasValue: false };
      }
      const value = vm.runInContext(code, this.context, { filename, breakOnSigint: true });
      return { status: "ok", value, hasValue: true };
    } catch (error) {
      if (error instanceof SyntaxError || error?.name === "SyntaxError") {
        return { status: "compile_error", ename: "SyntaxError", evalue: error.message, traceback: [`SyntaxError: ${error.message}`] };
      }
      return { status: "runtime_error", error, ...this.formatError(error, executionCount) };
    }
  }

  complete(code, cursorPos) {
    const before = [...code].slice(0, cursorPos).join("");
    const word = /[\w$.]*$/.exec(before)[0];
    const dot = word.lastIndexOf(".");
    const prefix = word.slice(dot + 1);
    let names;
    try {
      names = dot >= 0 ? Object.keys(Object(vm.runInContext(word.slice(0, dot), this.context))) : Object.getOwnPropertyNames(this.context);
    } catch {
      names = [];
    }
    const matches = [...new Set(names)].filter((n) => n.startsWith(prefix)).sort();
    return { matches, cursor_start: cursorPos - [...prefix].length, cursor_end: cursorPos, metadata: {} };
  }

  inspect(code, cursorPos) {
    const word = /[\w$.]*$/.exec([...code].slice(0, cursorPos).join(""))[0];
    try {
      const value = vm.runInContext(word, this.context);
      return { found: true, data: { "text/plain": `${word}: ${typeof value}\n${inspect(value, { depth: 0 })}` } };
    } catch {
      return { found: false, data: {} };
    }
  }

  isComplete(code) {
    try {
      new vm.Script(code);
      return { status: "complete" };
    } catch (error) {
      return /Unexpected end of input|Unterminated template/.test(error.message) ? { status: "incomplete", indent: "  " } : { status: "invalid" };
    }
  }

  formatError(error, executionCount) {
    const ename = error?.name ?? "Error";
    const evalue = error?.message ?? String(error);
    if (error?.code === "ERR_SCRIPT_EXECUTION_INTERRUPTED") {
      return { ename: "KeyboardInterrupt", evalue: "", traceback: ["KeyboardInterrupt: "] };
    }
    return { ename, evalue, traceback: [`Cell In[${executionCount ?? "?"}]`, `${ename}: ${evalue}`] };
  }
}
