// Runs the WebAssembly build of the C++ tests under Node: `node tests/wasm/run.cjs TESTS.cjs [gtest flags]`.
// Emscripten 3.1.6's runtime prefers fetch() when it exists, which fails on file paths under
// Node 20; without it the runtime reads the .wasm from disk.
const path = require("path");
delete globalThis.fetch;
const script = path.resolve(process.argv[2]);
process.argv.splice(1, 1);  // the test binary sees itself as argv[1], then the gtest flags
require(script);
