// Loads the native engine built by build.mjs (floe-engine.<platform>-<arch>.node beside this file).
// Throws when it is not built: callers (packages/ingest/src/engine/native-status.ts) report why.
const { join } = require('node:path');

const file = join(__dirname, `floe-engine.${process.platform}-${process.arch}.node`);
module.exports = require(file);
module.exports.nativeFile = file;
