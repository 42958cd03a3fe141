'use strict';
// Every operation's happy path against the live runtime.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const s = require('./support');
const cronium = require('..');

describe(`operations over ${s.TRANSPORT}`, () => {
  let exec;
  before(() => {
    exec = s.useExecution(s.newExecution({ metadata: { team: 'ops', note: 'héllo ✓' } }));
  });

  it('input() returns the execution input', async () => {
    assert.deepEqual(await cronium.input(), { hello: 'world' });
  });

  it('input() returns null when the execution has none', async () => {
    const other = s.newExecution({ input: null });
    s.useExecution(other);
    try {
      assert.equal(await cronium.input(), null);
    } finally {
      s.useExecution(exec);
    }
  });

  it('output(data) stores the output (and the last call wins)', async () => {
    assert.equal(await cronium.output({ first: true }), undefined);
    const data = { rows: [1, 2, 3], nested: { ok: true, text: 'naïve – 日本語 🚀' }, nothing: null };
    await cronium.output(data);
    const execution = s.admin('GET', `/v1/executions/${exec.executionId}`);
    assert.deepEqual(execution.output, data);
  });

  it('output(null) and scalars are stored as given', async () => {
    await cronium.output(null);
    assert.equal(s.admin('GET', `/v1/executions/${exec.executionId}`).output, null);
    await cronium.output('just text');
    assert.equal(s.admin('GET', `/v1/executions/${exec.executionId}`).output, 'just text');
  });

  it('setVariable then getVariable round-trips and versions grow by one per write', async () => {
    const key = s.uniqueKey('roundtrip');
    const first = await cronium.setVariable(key, { a: 1 });
    assert.equal(first.key, key);
    assert.ok(Number.isInteger(first.version) && first.version >= 1);
    assert.ok(!Number.isNaN(Date.parse(first.updatedAt)), first.updatedAt);
    assert.deepEqual(Object.keys(first).sort(), ['key', 'updatedAt', 'version']);
    const second = await cronium.setVariable(key, { a: 2 });
    assert.equal(second.version, first.version + 1);
    assert.deepEqual(await cronium.getVariable(key), { a: 2 });
    assert.equal(s.userVariable(key).version, second.version);
  });

  it('values of every JSON kind round-trip identically', async () => {
    const values = {
      string: 'plain',
      empty: '',
      unicode: 'Zürich – 東京 – ☃ – 🚀 – \u0000 nul – "quotes" \\ backslash \n newline',
      integer: 42,
      negative: -7,
      float: 3.141592653589793,
      big: 9007199254740991,
      tiny: 1e-300,
      zero: 0,
      true: true,
      false: false,
      null: null,
      array: [1, 'two', null, [3], { four: 4 }],
      emptyArray: [],
      emptyObject: {},
      nested: { level1: { level2: { level3: [{ deep: 'yes', n: 1.5 }] } }, 'key with spaces': 'ok', 'ключ': 'значение' },
    };
    for (const [name, value] of Object.entries(values)) {
      const key = s.uniqueKey(`kind-${name}`);
      await cronium.setVariable(key, value);
      assert.deepEqual(await cronium.getVariable(key, 'MISSING'), value, name);
    }
  });

  it('a stored null is returned as null, not as the default', async () => {
    const key = s.uniqueKey('null');
    await cronium.setVariable(key, null);
    assert.equal(await cronium.getVariable(key, 'fallback'), null);
  });

  it('a value near the 1 MiB limit round-trips', async () => {
    const key = s.uniqueKey('large');
    const value = 'x'.repeat(1024 * 1024 - 1024) ;
    await cronium.setVariable(key, value);
    const back = await cronium.getVariable(key);
    assert.equal(back.length, value.length);
    assert.equal(back, value);
  });

  it('keys with every allowed character are percent-encoded and round-trip', async () => {
    const key = `${s.uniqueKey('chars')}_a.b:c-d`;
    await cronium.setVariable(key, 'chars');
    assert.equal(await cronium.getVariable(key), 'chars');
    const listed = await cronium.listVariables(key);
    assert.deepEqual(listed.map((v) => v.key), [key]);
    await cronium.deleteVariable(key);
  });

  it('setVariable with ifVersion: 0 creates only when absent, and the current version updates', async () => {
    const key = s.uniqueKey('cas');
    const created = await cronium.setVariable(key, 'v1', { ifVersion: 0 });
    const updated = await cronium.setVariable(key, 'v2', { ifVersion: created.version });
    assert.equal(updated.version, created.version + 1);
    // The SPEC spelling: ifVersion as a plain third argument.
    const again = await cronium.setVariable(key, 'v3', updated.version);
    assert.equal(again.version, updated.version + 1);
    assert.equal(await cronium.getVariable(key), 'v3');
  });

  it('deleteVariable removes the variable; getVariable then gives the default', async () => {
    const key = s.uniqueKey('delete');
    await cronium.setVariable(key, 'soon gone');
    assert.equal(await cronium.deleteVariable(key), undefined);
    assert.equal(await cronium.getVariable(key), null);
    assert.equal(await cronium.getVariable(key, 'default'), 'default');
  });

  it('listVariables(prefix) returns keys and versions in key order', async () => {
    const prefix = `${s.uniqueKey('list')}.`;
    const keys = ['c', 'a', 'b'].map((k) => prefix + k);
    for (const key of keys) await cronium.setVariable(key, key);
    await cronium.setVariable(`${prefix}a`, 'again');
    const items = await cronium.listVariables(prefix);
    assert.deepEqual(items.map((v) => v.key), [...keys].sort());
    for (const item of items) {
      assert.deepEqual(Object.keys(item).sort(), ['key', 'updatedAt', 'version']);
      assert.ok(!('value' in item));
    }
    const a = items.find((v) => v.key === `${prefix}a`);
    assert.equal(a.version, s.userVariable(`${prefix}a`).version);
    assert.deepEqual(await cronium.listVariables(`${prefix}zzz`), []);
  });

  it('listVariables() with no prefix includes this test\'s variables', async () => {
    const key = s.uniqueKey('all');
    await cronium.setVariable(key, 1);
    const all = await cronium.listVariables();
    assert.ok(all.some((v) => v.key === key));
  });

  it('listVariables follows nextAfter across pages (more than 1000 variables)', { timeout: 180000 }, async () => {
    const prefix = `${s.uniqueKey('pages')}.`;
    const count = 1003;
    const keys = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}`);
    for (let i = 0; i < keys.length; i += 25) {
      await Promise.all(keys.slice(i, i + 25).map((key) => cronium.setVariable(key, i)));
    }
    const items = await cronium.listVariables(prefix);
    assert.equal(items.length, count);
    assert.deepEqual(items.map((v) => v.key), keys);
  });

  it('setCondition(true/false) stores the condition', async () => {
    assert.equal(await cronium.setCondition(true), undefined);
    assert.equal(s.admin('GET', `/v1/executions/${exec.executionId}`).condition, true);
    await cronium.setCondition(false);
    assert.equal(s.admin('GET', `/v1/executions/${exec.executionId}`).condition, false);
  });

  it('setCondition with { strict: true } refuses anything but a real boolean, without calling the runtime', async () => {
    const before = s.admin('GET', `/v1/executions/${exec.executionId}`).condition;
    for (const bad of ['true', 1, 0, null, undefined, {}]) {
      await assert.rejects(cronium.setCondition(bad, { strict: true }), TypeError);
    }
    assert.equal(s.admin('GET', `/v1/executions/${exec.executionId}`).condition, before);
  });

  it('setCondition refuses what is not a condition, even without strict', async () => {
    for (const bad of [null, undefined, {}, 2, -1, 'maybe', '', [true]]) {
      await assert.rejects(cronium.setCondition(bad), TypeError);
    }
  });

  it('getCondition() reads back what was set; the default when nothing was', async () => {
    const fresh = s.newExecution();
    s.useExecution(fresh);
    try {
      assert.equal(await cronium.getCondition(), false);
      assert.equal(await cronium.getCondition(null), null);
      await cronium.setCondition(true);
      assert.equal(await cronium.getCondition(null), true);
      await cronium.setCondition(false);
      assert.equal(await cronium.getCondition(true), false);
    } finally {
      s.useExecution(exec);
    }
  });

  it('event() returns the whole execution context', async () => {
    const context = await cronium.event();
    assert.equal(context.executionId, exec.executionId);
    assert.equal(context.userId, s.USER);
    assert.deepEqual(context.event, { id: 'evt-test', name: 'helper test', type: 'BASH' });
    assert.equal(context.workflow, null);
    assert.equal(context.attempt, 1);
    assert.equal(typeof context.jobId, 'string');
    assert.ok(Date.parse(context.startedAt) <= Date.parse(context.deadline));
    assert.deepEqual(context.metadata, { team: 'ops', note: 'héllo ✓' });
  });

  it('event() shows the workflow when there is one', async () => {
    const workflow = { id: 'wf-1', runId: 'run-1', nodeId: 'node-a' };
    s.useExecution(s.newExecution({ workflow, attempt: 2, event: { id: 'e2', name: 'node event', type: 'NODEJS' } }));
    try {
      const context = await cronium.event();
      assert.deepEqual(context.workflow, workflow);
      assert.equal(context.attempt, 2);
      assert.equal(context.event.type, 'NODEJS');
    } finally {
      s.useExecution(exec);
    }
  });
});

/**
 * The runtime's tool senders come after its first release (issue 2: "the tool senders themselves come
 * later"); until a sender exists it answers 422 tool_failed "no sender for 'x'". Then the provider
 * half of a test is skipped, saying so; the helper half (credential, tool and params reached the
 * runtime, which resolved the credential and matched its tool) has been exercised by then.
 */
async function sendOrSkip(t, call) {
  try {
    return await call();
  } catch (err) {
    if (err && err.code === 'tool_failed' && /no sender for/i.test(String(err.detail))) {
      t.skip(`the runtime has no sender yet: ${err.detail}`);
      return null;
    }
    throw err;
  }
}

describe(`tool actions over ${s.TRANSPORT}`, () => {
  let hooks;
  let smtp;
  const names = {};
  before(async () => {
    hooks = await s.startWebhook();
    smtp = await s.startSmtp();
    const tag = s.uniqueKey('cred');
    names.slack = `${tag}-slack`;
    names.discord = `${tag}-discord`;
    names.webhook = `${tag}-webhook`;
    names.email = `${tag}-email`;
    const put = (name, tool, secret) => s.admin('PUT', `/v1/users/${s.USER}/tool-credentials/${name}`, { tool, secret });
    put(names.slack, 'slack', { url: `${hooks.url}/slack/${names.slack}` });
    put(names.discord, 'discord', { url: `${hooks.url}/discord/${names.discord}` });
    put(names.webhook, 'webhook', { url: `${hooks.url}/hook/${names.webhook}` });
    put(names.email, 'email', { host: '127.0.0.1', port: smtp.port, username: '', password: '', from: 'cronium@example.test', useTls: false });
    s.useExecution(s.newExecution());
  });
  after(async () => {
    await hooks.close();
    await smtp.close();
  });

  it('sendSlack posts {text} to the stored webhook', async (t) => {
    const result = await sendOrSkip(t, () => cronium.sendSlack('hello from node ✓', names.slack));
    if (!result) return;
    assert.equal(result.success, true, JSON.stringify(result));
    assert.equal(result.error, null);
    const seen = hooks.requests.filter((r) => r.url.includes(names.slack));
    assert.equal(seen.length, 1);
    assert.equal(seen[0].json.text, 'hello from node ✓');
  });

  it('a send whose connection breaks while the provider is busy is delivered once and its answer replayed', async (t) => {
    // The retry (same Idempotency-Key) meets 409 idempotency_in_progress while the first attempt
    // still waits on the provider, waits out Retry-After, and gets that attempt's answer.
    const text = `held ${s.uniqueKey('held')}`;
    const seen = s.recordRequests();
    const started = [];
    const onStart = ({ request }) => started.push(request);
    const channel = require('node:diagnostics_channel').channel('http.client.request.start');
    channel.subscribe(onStart);
    let cut = false;
    hooks.hold = async (request) => {
      if (cut || !request.url.includes(names.slack)) return;
      cut = true;
      started.at(-1).socket.destroy(); // the helper's connection breaks; the runtime goes on waiting
      await new Promise((r) => setTimeout(r, 2500));
    };
    let result;
    try {
      result = await sendOrSkip(t, () => cronium.sendSlack(text, names.slack));
    } finally {
      hooks.hold = null;
      channel.unsubscribe(onStart);
      seen.stop();
    }
    if (!result) return;
    assert.equal(cut, true);
    assert.equal(result.success, true, JSON.stringify(result));
    assert.equal(hooks.requests.filter((r) => r.json && r.json.text === text).length, 1, 'one send, not one per attempt');
    assert.ok(seen.requests.length >= 3, `the first attempt, a 409 and the replay: ${seen.requests.length} requests`);
    assert.equal(new Set(seen.requests.map((r) => r.idempotencyKey)).size, 1);
  });

  it('sendDiscord posts {content} to the stored webhook', async (t) => {
    const result = await sendOrSkip(t, () => cronium.sendDiscord('discord says hi', names.discord));
    if (!result) return;
    assert.equal(result.success, true, JSON.stringify(result));
    const seen = hooks.requests.filter((r) => r.url.includes(names.discord));
    assert.equal(seen.length, 1);
    assert.equal(seen[0].json.content, 'discord says hi');
  });

  it('toolAction("webhook", ...) posts the params', async (t) => {
    const result = await sendOrSkip(t, () => cronium.toolAction('webhook', 'send', { payload: { n: 1, s: 'x' } }, names.webhook));
    if (!result) return;
    assert.equal(result.success, true, JSON.stringify(result));
    const seen = hooks.requests.filter((r) => r.url.includes(names.webhook));
    assert.equal(seen.length, 1);
    assert.ok(seen[0].body.includes('"n":1'), seen[0].body);
  });

  it('sendEmail sends through the stored SMTP credential', async (t) => {
    const subject = `subject ${s.uniqueKey('mail')}`;
    const result = await sendOrSkip(t, () => cronium.sendEmail('someone@example.test', subject, 'the body text', names.email));
    if (!result) return;
    assert.equal(result.success, true, JSON.stringify(result));
    const message = smtp.messages.find((m) => m.data.includes(subject));
    assert.ok(message, `no message with the subject among ${smtp.messages.length}`);
    assert.ok(message.to.join(' ').includes('someone@example.test'));
    assert.ok(message.data.includes('the body text'));
  });

  it('without a credential the one named after the tool is used', async (t) => {
    const user = s.uniqueKey('tooluser');
    s.admin('PUT', `/v1/users/${user}/tool-credentials/slack`, { tool: 'slack', secret: { url: `${hooks.url}/slack/${user}` } });
    const previous = { ...process.env };
    s.useExecution(s.newExecution({ userId: user }));
    try {
      const result = await sendOrSkip(t, () => cronium.sendSlack('default credential'));
      if (!result) return;
      assert.equal(result.success, true, JSON.stringify(result));
      const seen = hooks.requests.filter((r) => r.url === `/slack/${user}`);
      assert.equal(seen.length, 1);
      assert.equal(seen[0].json.text, 'default credential');
    } finally {
      Object.assign(process.env, previous);
    }
  });

  it('a credential for another tool rejects with tool_failed (422)', async () => {
    await s.rejectsWith(cronium.sendDiscord('wrong tool', names.slack), 'tool_failed', 422);
    assert.equal(hooks.requests.filter((r) => r.url.includes(names.slack) && r.json && r.json.content).length, 0);
  });

  it('a missing credential rejects with credential_not_found (404)', async () => {
    await s.rejectsWith(cronium.sendSlack('nobody hears this', `${names.slack}-missing`), 'credential_not_found', 404);
  });
});
