// Preloaded into every peer (`node --import ./exit-with-stdin.mjs ...`): the
// process exits when its stdin closes or on SIGTERM/SIGINT. A test holds the
// peer's stdin open, so however the test process ends (panic, abort, kill),
// the pipe closes and the peer goes with it: nothing is left running.

const exit = () => process.exit(0);
process.stdin.on('end', exit).on('close', exit).on('error', exit).resume();
process.on('SIGTERM', exit).on('SIGINT', exit);
