/**
 * What can go wrong before or around running a notebook (as opposed to a cell failing, which is
 * an output of the notebook). Each is reported by `tsorch run` as one line, without a stack.
 */

/** A notebook file that cannot be read, is not JSON, or is not nbformat 4. */
export class NotebookError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = "NotebookError";
  }
}

/** `--kernel-name NAME` names no installed kernelspec, or one that cannot be used. */
export class KernelSpecError extends Error {
  constructor(
    message: string,
    readonly kernelName: string,
  ) {
    super(message);
    this.name = "KernelSpecError";
  }
}

/** The kernel process could not be started, or ended while the notebook was running. */
export class KernelDiedError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    /** The end of what the kernel wrote to stderr (its log). */
    readonly log: string,
  ) {
    super(message);
    this.name = "KernelDiedError";
  }
}
