/**
 * Who started the kernel, and whether they are still there. A kernel whose frontend died
 * (killed, crashed, closed) must not run on forever, orphaned, holding memory and ports.
 *
 * Two facts are recorded when the process starts (this module is the CLI's first import): its
 * parent pid, and `JPY_PARENT_PID`, which jupyter_client sets to its own pid when it launches a
 * kernel. The launcher is gone when that pid no longer exists, or when the parent changed (the
 * kernel was re-parented to init or a subreaper). A launcher that exits during the kernel's
 * start-up is caught too: `JPY_PARENT_PID` names it even if the kernel never saw it as parent.
 *
 * @example
 * launcherGone(STARTED_BY); // undefined while the launcher runs, else why it is considered gone
 */

export interface StartedBy {
  /** The parent pid when the process started (1 or 0 when it was already an orphan, or init's child). */
  ppid: number;
  /** The launcher's pid from `JPY_PARENT_PID`, if it is a valid pid. */
  jupyter: number | undefined;
}

function parsePid(value: string | undefined): number | undefined {
  if (!value || !/^\d+$/.test(value)) return undefined;
  const pid = Number(value);
  return pid > 1 && pid <= 2 ** 22 ? pid : undefined;
}

export const STARTED_BY: StartedBy = { ppid: process.ppid, jupyter: parsePid(process.env.JPY_PARENT_PID) };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
}

/** Why the launcher is considered gone, or undefined while it is there (or cannot be known). */
export function launcherGone(started: StartedBy, ppid = process.ppid): string | undefined {
  if (started.jupyter !== undefined && !alive(started.jupyter)) return `the process that started the kernel (pid ${started.jupyter}, JPY_PARENT_PID) is gone`;
  if (started.ppid > 1 && ppid !== started.ppid) return `the process that started the kernel (pid ${started.ppid}) is gone`;
  return undefined;
}
