'use strict';
// Errors as a script meets them: problems from the live runtime, and the helper's own.

const { describe, it, before } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const s = require('./support');
const cronium = require('..');

const { CroniumError } = cronium;

describe(`errors over ${s.TRANSPORT}`, () => {
  let exec;
  before(() => {
    exec = s.useExecution(s.newExecution());
  });

  it('a missing variable gives the default (null when none is given)', async () => {
    const key = s.uniqueKey('missing');
    assert.equal(await cronium.getVariable(key), null);
    assert.equal(await cronium.getVariable(key, 0), 0);
    assert.deepEqual(await cronium.getVariable(key, { fallback: true }), { fallback: true });
  });

  it('deleteVariable of a missing variable rejects with variable_not_found (404)', async () => {
    const error = await s.rejectsWith(cronium.deleteVariable(s.uniqueKey('nothing')), 'variable_not_found', 404, exec.token);
    assert.ok(error instanceof CroniumError);
    assert.ok(error instanceof Error);
    assert.equal(error.operationId, 'deleteVariable');
    assert.equal(error.problem.code, 'variable_not_found');
    assert.equal(error.problem.status, 404);
    assert.equal(typeof error.problem.traceId, 'string');
    assert.ok(error.message.includes('variable_not_found'), error.message);
  });

  it('a stale ifVersion rejects with version_conflict (409) carrying the current version', async () => {
    const key = s.uniqueKey('conflict');
    const first = await cronium.setVariable(key, 'one');
    await cronium.setVariable(key, 'two');
    const error = await s.rejectsWith(cronium.setVariable(key, 'three', { ifVersion: first.version }), 'version_conflict', 409, exec.token);
    assert.equal(error.problem.currentVersion, first.version + 1);
    assert.equal(await cronium.getVariable(key), 'two');
  });

  it('ifVersion 0 on an existing variable rejects with version_conflict', async () => {
    const key = s.uniqueKey('exists');
    await cronium.setVariable(key, 1);
    await s.rejectsWith(cronium.setVariable(key, 2, { ifVersion: 0 }), 'version_conflict', 409);
  });

  it('ifVersion on a missing variable rejects with version_conflict and currentVersion 0', async () => {
    const error = await s.rejectsWith(cronium.setVariable(s.uniqueKey('absent'), 2, { ifVersion: 5 }), 'version_conflict', 409);
    assert.equal(error.problem.currentVersion, 0);
  });

  it('a value over 1 MiB rejects with payload_too_large (413) naming the limit', async () => {
    const key = s.uniqueKey('oversized');
    const value = 'y'.repeat(1024 * 1024 + 100);
    const error = await s.rejectsWith(cronium.setVariable(key, value), 'payload_too_large', 413, exec.token);
    assert.equal(error.problem.limit, 1024 * 1024);
    assert.ok(error.problem.received > 1024 * 1024, JSON.stringify(error.problem));
    assert.ok(error.message.includes('413'), error.message);
    assert.equal(await cronium.getVariable(key, 'absent'), 'absent');
  });

  it('an output over 8 MiB rejects with payload_too_large (413)', async () => {
    const big = 'z'.repeat(8 * 1024 * 1024 + 10);
    await s.rejectsWith(cronium.output(big), 'payload_too_large', 413, exec.token);
  });

  it('an invalid key rejects with validation_failed (400) and is not retried', async () => {
    const started = Date.now();
    const error = await s.rejectsWith(cronium.setVariable('-starts-with-dash', 1), 'validation_failed', 400, exec.token);
    assert.ok(Date.now() - started < 2000);
    assert.ok(error.problem);
  });

  it('an expired token rejects with token_expired (401)', { timeout: 30000 }, async () => {
    const short = s.newExecution({ timeoutSeconds: 1 });
    s.useExecution(short);
    try {
      assert.deepEqual(await cronium.input(), { hello: 'world' });
      await new Promise((r) => setTimeout(r, 3200));
      await s.rejectsWith(cronium.getVariable('anything'), 'token_expired', 401, short.token);
      await s.rejectsWith(cronium.setVariable(s.uniqueKey('expired'), 1), 'token_expired', 401, short.token);
    } finally {
      s.useExecution(exec);
    }
  });

  it('a finished execution\'s token rejects with execution_finished (401) on every operation', async () => {
    const done = s.newExecution();
    s.useExecution(done);
    try {
      await cronium.setCondition(true);
      s.complete(done.executionId);
      const key = s.uniqueKey('finished');
      const calls = [
        () => cronium.input(),
        () => cronium.output(1),
        () => cronium.getVariable(key),
        () => cronium.setVariable(key, 1),
        () => cronium.deleteVariable(key),
        () => cronium.listVariables(),
        () => cronium.setCondition(false),
        () => cronium.event(),
        () => cronium.sendSlack('x'),
      ];
      for (const call of calls) await s.rejectsWith(call(), 'execution_finished', 401, done.token);
    } finally {
      s.useExecution(exec);
    }
  });

  it('another execution\'s id rejects with execution_mismatch (403)', async () => {
    const other = s.newExecution();
    s.useExecution(exec, { CRONIUM_EXECUTION_ID: other.executionId });
    try {
      await s.rejectsWith(cronium.getVariable('x'), 'execution_mismatch', 403, exec.token);
      await s.rejectsWith(cronium.input(), 'execution_mismatch', 403, exec.token);
    } finally {
      s.useExecution(exec);
    }
    s.useExecution(exec, { CRONIUM_EXECUTION_ID: crypto.randomUUID() });
    try {
      await s.rejectsWith(cronium.setVariable(s.uniqueKey('mismatch'), 1), 'execution_mismatch', 403, exec.token);
    } finally {
      s.useExecution(exec);
    }
  });

  it('a forged token rejects with invalid_token (401) and is never echoed', async () => {
    const forged = `${exec.token.slice(0, -4)}AAAA`;
    s.useExecution({ ...exec, token: forged });
    try {
      await s.rejectsWith(cronium.getVariable('x'), 'invalid_token', 401, forged);
    } finally {
      s.useExecution(exec);
    }
  });

  for (const name of ['CRONIUM_RUNTIME_API', 'CRONIUM_EXECUTION_TOKEN', 'CRONIUM_EXECUTION_ID']) {
    it(`a missing ${name} rejects with one message naming it`, async () => {
      const saved = process.env[name];
      delete process.env[name];
      try {
        for (const call of [() => cronium.getVariable('x'), () => cronium.setVariable('x', 1), () => cronium.input()]) {
          const error = await s.rejectsWith(call(), 'configuration_missing', 0);
          assert.equal(error.message, `${name} is not set: run the script through cronium (cronium run) or export it`);
          assertNoTokenIfAny(error, saved);
        }
        process.env[name] = '';
        await s.rejectsWith(cronium.event(), 'configuration_missing', 0);
      } finally {
        process.env[name] = saved;
      }
    });
  }

  it('an unusable CRONIUM_RUNTIME_API rejects with configuration_invalid', async () => {
    for (const bad of ['localhost:8081', 'ftp://127.0.0.1:21', 'unix://relative.sock', 'https://']) {
      s.useExecution(exec, { CRONIUM_RUNTIME_API: bad });
      try {
        const error = await s.rejectsWith(cronium.input(), 'configuration_invalid', 0, exec.token);
        assert.ok(error.message.includes('CRONIUM_RUNTIME_API'), error.message);
      } finally {
        s.useExecution(exec);
      }
    }
  });

  it('an unreachable runtime rejects with unavailable (status 0) after CRONIUM_RETRY_DEADLINE', async () => {
    const nowhere = s.API.startsWith('unix:') ? `unix://${s.tempDir()}/no-runtime.sock` : 'http://127.0.0.1:9';
    s.useExecution(exec, { CRONIUM_RUNTIME_API: nowhere, CRONIUM_RETRY_DEADLINE: '1' });
    const started = Date.now();
    try {
      const error = await s.rejectsWith(cronium.setVariable('x', 1), 'unavailable', 0, exec.token);
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 900 && elapsed < 3000, `gave up after ${elapsed} ms`);
      assert.ok(error.message.includes('CRONIUM_RETRY_DEADLINE'), error.message);
    } finally {
      s.useExecution(exec);
      delete process.env.CRONIUM_RETRY_DEADLINE;
    }
  });

  it('argument mistakes reject with TypeError before any call', async () => {
    await assert.rejects(cronium.getVariable(''), TypeError);
    await assert.rejects(cronium.getVariable(42), TypeError);
    await assert.rejects(cronium.setVariable('k'), TypeError);
    await assert.rejects(cronium.setVariable('k', 1, { ifVersion: -1 }), TypeError);
    await assert.rejects(cronium.setVariable('k', 1, { ifVersion: 1.5 }), TypeError);
    await assert.rejects(cronium.setVariable('k', Number.NaN), TypeError);
    await assert.rejects(cronium.setVariable('k', { deep: [Infinity] }), TypeError);
    await assert.rejects(cronium.output(undefined), TypeError);
    await assert.rejects(cronium.listVariables(5), TypeError);
    await assert.rejects(cronium.toolAction('', 'send'), TypeError);
  });
});

function assertNoTokenIfAny(error, value) {
  if (value && value.length > 20) s.assertNoToken(error, value);
}
