import { pathToFileURL } from 'node:url';

// The one way a script under scripts/ starts: only when node was started on it (other scripts
// and tests import the same files for their helpers), with main's number as the exit code and
// a crash printed whole.

/** True when `moduleUrl` (the caller's import.meta.url) is the file node was started with. */
export function startedDirectly(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href;
}

/** Runs main() when the caller is the entry point: a number it returns is the exit code; a throw prints its stack (a flag mistake only its message) and exits 1. */
export function runMain(moduleUrl: string, main: () => Promise<number | void> | number | void): void {
  if (!startedDirectly(moduleUrl)) return;
  Promise.resolve()
    .then(main)
    .then(
      (code) => {
        if (typeof code === 'number') process.exitCode = code;
      },
      (err: unknown) => {
        // A flag mistake needs its message, not a stack trace.
        const usage = err instanceof Error && err.message.startsWith('--');
        process.stderr.write(`${err instanceof Error ? (usage ? err.message : (err.stack ?? err.message)) : String(err)}\n`);
        process.exitCode = 1;
      },
    );
}
