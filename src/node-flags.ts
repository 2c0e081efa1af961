// The flags node runs the service with. They are V8's, read once when the heap is set up: node refuses
// them in NODE_OPTIONS and v8.setFlagsFromString comes too late, so every way of starting the service
// passes them on node's command line — `npm start`, the `kickstand` command's first line, the systemd
// unit in docs/operations.md — and the bench starts its service and baseline processes with them too
// (test/config/node-flags.test.ts keeps them all in step).
//
// --no-memory-reducer: a few seconds after the process goes quiet, V8's memory reducer runs full
// collections to hand memory back to the system. A provisioning service is quiet for hours and then a
// rack powers on at once — and a process the reducer had shrunk answered polls a fifth slower than one
// it had not, for as long as it was measured (docs/performance.md, "The idle process"). The price is
// memory the heap keeps after a busy spell instead of returning it while idle (measured there too).
export const NODE_FLAGS: readonly string[] = ['--no-memory-reducer'];

/** The flags this process was started without (for a warning at start). */
export function missingNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
