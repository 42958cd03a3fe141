'use strict';
// The connection: kept alive across calls, never keeping the script alive, safe under concurrency.

const { describe, it, before } = require('node:test');
const assert = require('node:assert/strict');
const diagnosticsChannel = require('node:diagnostics_channel');
const s = require('./support');
const cronium = require('..');

function countNewSockets() {
  const channel = diagnosticsChannel.channel('net.client.socket');
  let count = 0;
  const onSocket = () => { count += 1; };
  channel.subscribe(onSocket);
  return { get count() { return count; }, stop: () => channel.unsubscribe(onSocket) };
}

describe(`transport over ${s.TRANSPORT}`, () => {
  let exec;
  before(() => {
    exec = s.useExecution(s.newExecution());
  });

  it('one kept-alive connection serves a run of sequential calls', async () => {
    const key = s.uniqueKey('keepalive');
    await cronium.setVariable(key, 0); // warm: the connection exists now
    const sockets = countNewSockets();
    try {
      for (let i = 1; i <= 25; i += 1) {
        await cronium.setVariable(key, i);
        assert.equal(await cronium.getVariable(key), i);
      }
      await cronium.input();
      await cronium.event();
      await cronium.listVariables(key);
    } finally {
      sockets.stop();
    }
    assert.equal(sockets.count, 0, `${sockets.count} new connections for 53 calls after the first`);
  });

  it('concurrent calls all succeed and reuse their connections afterwards', async () => {
    const prefix = `${s.uniqueKey('concurrent')}.`;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => cronium.setVariable(`${prefix}${i}`, i)));
    assert.equal(results.length, 20);
    const values = await Promise.all(Array.from({ length: 20 }, (_, i) => cronium.getVariable(`${prefix}${i}`)));
    assert.deepEqual(values, Array.from({ length: 20 }, (_, i) => i));
    const sockets = countNewSockets();
    try {
      for (let i = 0; i < 10; i += 1) await cronium.getVariable(`${prefix}${i}`);
    } finally {
      sockets.stop();
    }
    assert.equal(sockets.count, 0);
  });

  it('a script exits on its own right after its last call', async () => {
    const key = s.uniqueKey('exit');
    const result = await s.runScript(`
      const cronium = require(${JSON.stringify(s.HELPER_DIR)});
      (async () => {
        await cronium.setVariable(${JSON.stringify(key)}, 'set');
        await cronium.getVariable(${JSON.stringify(key)});
        await cronium.input();
        console.log(Date.now());
      })().catch((e) => { console.error(e); process.exitCode = 1; });
    `, { env: s.scriptEnv(exec), timeoutMs: 20000 });
    assert.equal(result.code, 0, result.stderr);
    const lastCall = Number(result.stdout.trim());
    const lingered = result.exitedAt - lastCall;
    assert.ok(lingered < 1000, `the process lingered ${lingered} ms after its last call`);
  });

  it('a script that fails exits on its own too, with the error printed', async () => {
    const result = await s.runScript(`
      const cronium = require(${JSON.stringify(s.HELPER_DIR)});
      cronium.deleteVariable(${JSON.stringify(s.uniqueKey('absent'))});
    `, { env: s.scriptEnv(exec), timeoutMs: 20000 });
    assert.notEqual(result.code, 0);
    assert.ok(result.stderr.includes('variable_not_found'), result.stderr);
    assert.ok(!result.stderr.includes(exec.token), 'the token was printed');
  });
});
