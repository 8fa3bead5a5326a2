/**
 * Arguments for util-linux `script`, which runs a command on a pseudo-terminal.
 *
 * `script` hands the command to `$SHELL -c`. The command is `exec`ed so the shell does not stay
 * in between: with dash as the shell (SHELL unset, as on a bare CI machine) a Ctrl+C typed into
 * the terminal would otherwise kill the waiting shell, and `script -e` would report 130 however
 * the program itself ended.
 */
export function scriptArgs(command: string): string[] {
  return ["-qec", `exec ${command}`, "/dev/null"];
}
