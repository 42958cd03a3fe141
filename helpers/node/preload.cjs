'use strict';
// Load with `node --require /path/to/cronium/preload.cjs script.js` (or NODE_OPTIONS="--require ...")
// so a script can use `cronium.*` without importing anything, as Cronium's examples do.
// It only defines the global; nothing is read or sent until the script calls a helper.
const cronium = require('./index.js');

if (globalThis.cronium === undefined) {
  Object.defineProperty(globalThis, 'cronium', {
    value: cronium,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
