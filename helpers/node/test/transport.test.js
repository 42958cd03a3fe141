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

  it('every write sends one Idempotency-Key of its own; reads send none', async () => {
    const key = s.uniqueKey('idem');
    const seen = s.recordRequests();
    try {
      await cronium.setVariable(key, 1);
      await cronium.setVariable(key, 2);
      await cronium.getVariable(key);
      await cronium.output({ idem: true });
      await cronium.setCondition(true);
      await cronium.listVariables(key);
      await cronium.event();
      await cronium.input();
      await cronium.deleteVariable(key);
    } finally {
      seen.stop();
    }
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const writes = seen.requests.filter((r) => r.method !== 'GET');
    const reads = seen.requests.filter((r) => r.method === 'GET');
    assert.equal(writes.length, 5);
    assert.equal(reads.length, 4);
    for (const w of writes) assert.match(String(w.idempotencyKey), uuid);
    assert.equal(new Set(writes.map((w) => w.idempotencyKey)).size, 5);
    for (const r of reads) assert.equal(r.idempotencyKey, undefined);
  });

  it('replaying a helper write with its Idempotency-Key has no second effect', async () => {
    const key = s.uniqueKey('replay');
    const value = { n: 1, text: 'once' };
    const seen = s.recordRequests();
    let written;
    try {
      written = await cronium.setVariable(key, value);
    } finally {
      seen.stop();
    }
    const [request] = seen.requests;
    const replay = await s.rawRequest('PUT', request.path, {
      Authorization: `Bearer ${exec.token}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': request.idempotencyKey,
    }, JSON.stringify({ value }));
    assert.equal(replay.status, 200, JSON.stringify(replay.body));
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.body, written);
    assert.equal(s.userVariable(key).version, written.version);
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
