// `pare/worker` is a worker script (worker.js): bundle it as a worker entry and pass its URL to
// ready({ workerUrl }). It exports nothing.
export {};
