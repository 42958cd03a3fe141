'use strict';
// Retries for real: the runtime is stopped and started under a running script. This file stops
// the shared runtime, so test.sh runs it on its own, after the other files.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const diagnosticsChannel = require('node:diagnostics_channel');
const s = require('./support');
const cronium = require('..');

function recordRetries() {
  const channel = diagnosticsChannel.channel('cronium:retry');
  const events = [];
  const onRetry = (message) => events.push(message);
  channel.subscribe(onRetry);
  return { events, stop: () => channel.unsubscribe(onRetry) };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

describe(`retries over ${s.TRANSPORT}`, () => {
  let exec;
  before(() => {
    s.harness('start');
    exec = s.useExecution(s.newExecution());
  });
  after(() => {
    // Leave the runtime as the other suites expect it: up, with the normal settings.
    delete process.env.CRONIUM_TEST_RATE_LIMIT;
    s.harness('restart');
  });

  it('a setVariable made while the runtime is down lands exactly once when it comes back', { timeout: 90000 }, async () => {
    const key = s.uniqueKey('restart');
    const before = await cronium.setVariable(key, 'before');
    s.harness('stop');
    const script = s.runScript(`
      const dc = require('node:diagnostics_channel');
      const retries = [];
      dc.channel('cronium:retry').subscribe((m) => retries.push(m.reason));
      const keys = [];
      dc.channel('http.client.request.start').subscribe(({ request }) => keys.push(request.method + ' ' + request.getHeader('idempotency-key')));
      const cronium = require(${JSON.stringify(s.HELPER_DIR)});
      (async () => {
        const started = Date.now();
        const written = await cronium.setVariable(${JSON.stringify(key)}, 'after');
        const value = await cronium.getVariable(${JSON.stringify(key)});
        console.log(JSON.stringify({ written, value, retries, keys, ms: Date.now() - started }));
      })().catch((e) => { console.error(e.stack); process.exitCode = 1; });
    `, { env: s.scriptEnv(exec), timeoutMs: 60000 });
    await sleep(1500);
    s.harness('start');
    const result = await script;
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout.trim());
    assert.ok(out.retries.length >= 1, 'the call was never retried');
    assert.ok(out.ms >= 1000, `the call succeeded after ${out.ms} ms, before the runtime was back`);
    assert.equal(out.value, 'after');
    // Every attempt of the write carried the same Idempotency-Key; the read carried none.
    const puts = out.keys.filter((k) => k.startsWith('PUT '));
    assert.equal(puts.length, out.retries.length + 1, JSON.stringify(out.keys));
    assert.equal(new Set(puts).size, 1, JSON.stringify(puts));
    assert.deepEqual(out.keys.filter((k) => k.startsWith('GET ')), ['GET undefined']);
    assert.equal(out.written.version, before.version + 1);
    const stored = s.userVariable(key);
    assert.equal(stored.version, before.version + 1, 'the write landed more or less than once');
    assert.equal(stored.value, 'after');
  });

  it('every kind of write waits for the runtime and lands once', { timeout: 90000 }, async () => {
    const key = s.uniqueKey('writes');
    const start = await cronium.setVariable(key, 0);
    s.harness('stop');
    const script = s.runScript(`
      const cronium = require(${JSON.stringify(s.HELPER_DIR)});
      (async () => {
        await cronium.output({ done: true });
        await cronium.setCondition(true);
        const v = await cronium.setVariable(${JSON.stringify(key)}, 1, { ifVersion: ${start.version} });
        await cronium.deleteVariable(${JSON.stringify(key)});
        console.log(JSON.stringify(v));
      })().catch((e) => { console.error(e.stack); process.exitCode = 1; });
    `, { env: s.scriptEnv(exec), timeoutMs: 60000 });
    await sleep(1000);
    s.harness('start');
    const result = await script;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).version, start.version + 1);
    const execution = s.admin('GET', `/v1/executions/${exec.executionId}`);
    assert.deepEqual(execution.output, { done: true });
    assert.equal(execution.condition, true);
    assert.equal(await cronium.getVariable(key, 'deleted'), 'deleted');
  });

  it('a kept-alive connection the server closed is replaced transparently', { timeout: 90000 }, async (t) => {
    const key = s.uniqueKey('stale');
    const first = await cronium.setVariable(key, 'one'); // leaves an idle kept-alive socket
    const retries = recordRetries();
    try {
      // The restart blocks this event loop, so the helper cannot notice that the server closed its
      // idle socket before the next call picks that socket up again.
      s.harness('restart');
      const second = await cronium.setVariable(key, 'two');
      assert.equal(second.version, first.version + 1);
      assert.equal(await cronium.getVariable(key), 'two');
      for (let i = 0; i < 3; i += 1) {
        s.harness('restart');
        assert.equal(await cronium.getVariable(key), 'two');
      }
    } finally {
      retries.stop();
    }
    assert.equal(s.userVariable(key).version, first.version + 1);
    const stale = retries.events.filter((e) => e.reason === 'stale-socket').length;
    assert.ok(retries.events.every((e) => e.delayMs < 3000), JSON.stringify(retries.events));
    t.diagnostic(`stale-socket retries: ${stale} after 4 restarts; all retries: ${JSON.stringify(retries.events)}`);
    assert.ok(stale >= 1, 'no call found its kept-alive socket closed: the stale-socket path was not exercised');
  });

  it('429 rate_limited is retried after Retry-After until the calls go through', { timeout: 120000 }, async (t) => {
    process.env.CRONIUM_TEST_RATE_LIMIT = '5';
    s.harness('restart');
    const key = s.uniqueKey('ratelimit');
    const retries = recordRetries();
    let results;
    try {
      await cronium.setVariable(key, 'v');
      const started = Date.now();
      results = await Promise.all(Array.from({ length: 30 }, () => cronium.getVariable(key)));
      t.diagnostic(`30 calls at 5/s took ${Date.now() - started} ms, ${retries.events.length} retries`);
    } finally {
      retries.stop();
      delete process.env.CRONIUM_TEST_RATE_LIMIT;
      s.harness('restart');
    }
    assert.deepEqual(results, Array(30).fill('v'));
    const limited = retries.events.filter((e) => e.reason === '429');
    assert.ok(limited.length > 0, `no 429 was seen: ${JSON.stringify(retries.events.slice(0, 5))}`);
    // The contract's Retry-After is whole seconds (>= 1), and the helper waits that long.
    assert.ok(limited.every((e) => e.delayMs >= 1000), `a 429 retry did not wait for Retry-After: ${JSON.stringify(limited.slice(0, 3))}`);
  });
});
