'use strict';
// Cronium's names (its SDK's class and default export, executeToolAction, sendEmail({...}),
// sendSlackMessage, sendDiscordMessage, its error classes; its docs' getCondition and the flat
// context) against the live runtime: they behave as Cronium documented them.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const s = require('./support');
const cronium = require('..');

describe(`Cronium's names over ${s.TRANSPORT}`, () => {
  let exec;
  let hooks;
  let smtp;
  const tag = s.uniqueKey('compat');
  const names = { slack: `${tag}-slack`, discord: `${tag}-discord`, failing: `${tag}-failing`, email: `${tag}-email` };

  before(async () => {
    exec = s.useExecution(s.newExecution());
    hooks = await s.startWebhook();
    smtp = await s.startSmtp();
    const put = (name, tool, secret) => s.admin('PUT', `/v1/users/${s.USER}/tool-credentials/${name}`, { tool, secret });
    put(names.slack, 'slack', { url: `${hooks.url}/slack/${tag}` });
    put(names.discord, 'discord', { url: `${hooks.url}/discord/${tag}` });
    put(names.failing, 'webhook', { url: `http://127.0.0.1:${await s.freePort()}/gone` });
    put(names.email, 'email', { host: '127.0.0.1', port: smtp.port, from: 'cronium@example.test', useTls: false });
  });

  after(async () => {
    for (const name of Object.values(names)) s.admin('DELETE', `/v1/users/${s.USER}/tool-credentials/${name}`);
    await hooks.close();
    await smtp.close();
  });

  const received = (url) => hooks.requests.filter((r) => r.url === url).map((r) => r.json);

  it('the module is the client class: statics, instances and the cronium instance are the same functions', async () => {
    const key = s.uniqueKey('client');
    const client = new cronium.Cronium();
    await client.setVariable(key, 41);
    assert.equal(await cronium.getVariable(key), 41);
    assert.equal(await cronium.cronium.getVariable(key), 41);
    assert.equal(cronium.Cronium, cronium);
    assert.equal(client.getVariable, cronium.getVariable);
    assert.ok(client instanceof cronium);
  });

  it('a missing variable is null; stored falsy values come back as they are', async () => {
    const key = s.uniqueKey('falsy');
    assert.equal(await cronium.getVariable(key), null);
    await cronium.setVariable(key, 0);
    assert.equal(await cronium.getVariable(key), 0);
  });

  it("setCondition takes Cronium's words; getCondition reads it back", async () => {
    for (const [given, stored] of [['yes', true], ['OFF', false], [1, true], ['0', false], [true, true]]) {
      await cronium.setCondition(given);
      assert.equal(s.admin('GET', `/v1/executions/${exec.executionId}`).condition, stored, String(given));
      assert.equal(await cronium.getCondition(), stored);
    }
  });

  it('event() is flat as in Cronium: id, name, type, eventId, eventName, eventType at the top', async () => {
    const ctx = await cronium.event();
    assert.deepEqual([ctx.id, ctx.name, ctx.type], ['evt-test', 'helper test', 'BASH']);
    assert.deepEqual([ctx.eventId, ctx.eventName, ctx.eventType], ['evt-test', 'helper test', 'BASH']);
    assert.equal(ctx.executionId, exec.executionId);
  });

  it("executeToolAction with Cronium's send_message resolves the provider's answer", async () => {
    const data = await cronium.executeToolAction('slack', 'send_message', { text: 'legacy' }, names.slack);
    assert.deepEqual(data, { status: 200, body: 'ok' });
    assert.deepEqual(received(`/slack/${tag}`).at(-1), { text: 'legacy' });
  });

  it('a provider that failed rejects with CroniumAPIError (statusCode, code tool_failed)', async () => {
    const error = await cronium.executeToolAction('webhook', 'send', {}, names.failing).then(() => null, (e) => e);
    assert.ok(error instanceof cronium.CroniumAPIError, String(error));
    assert.ok(error instanceof cronium.CroniumError);
    assert.deepEqual([error.statusCode, error.code, error.name], [200, 'tool_failed', 'CroniumAPIError']);
  });

  it('sendSlackMessage and sendDiscordMessage send every option they are given', async () => {
    await cronium.sendSlackMessage({ channel: '#ops', text: 'hi', username: 'bot', credential: names.slack });
    await cronium.sendDiscordMessage({ channelId: '42', content: 'hi', embeds: [{ title: 't' }], credential: names.discord });
    assert.deepEqual(received(`/slack/${tag}`).at(-1), { channel: '#ops', text: 'hi', username: 'bot' });
    assert.deepEqual(received(`/discord/${tag}`).at(-1), { channelId: '42', content: 'hi', embeds: [{ title: 't' }] });
  });

  it("sendEmail({...}) is Cronium's form (the answer back); positional sendEmail keeps {success, data, error}", async () => {
    const subject = s.uniqueKey('subject');
    const data = await cronium.sendEmail({ to: 'ops@example.test', cc: ['cc@example.test'], subject, body: '<b>hi</b>', html: true, credential: names.email });
    assert.ok(data.messageId, JSON.stringify(data));
    const mail = smtp.messages.find((m) => m.data.includes(subject));
    assert.equal(mail.to.length, 2);
    assert.match(mail.data, /text\/html/);
    const result = await cronium.sendEmail('ops@example.test', 'positional', 'text', names.email);
    assert.deepEqual(Object.keys(result).sort(), ['data', 'error', 'success']);
  });

  it("an answer from the runtime is a CroniumAPIError with statusCode; no answer is a CroniumTimeoutError", async () => {
    const error = await cronium.deleteVariable(s.uniqueKey('absent')).then(() => null, (e) => e);
    assert.ok(error instanceof cronium.CroniumAPIError);
    assert.deepEqual([error.statusCode, error.status, error.code], [404, 404, 'variable_not_found']);
    const saved = { ...process.env };
    Object.assign(process.env, { CRONIUM_RUNTIME_API: 'unix:///nonexistent/cronium.sock', CRONIUM_RETRY_DEADLINE: '0' });
    try {
      await assert.rejects(cronium.getVariable('x'), (e) => e instanceof cronium.CroniumTimeoutError && e.code === 'unavailable');
    } finally {
      process.env.CRONIUM_RUNTIME_API = saved.CRONIUM_RUNTIME_API;
      delete process.env.CRONIUM_RETRY_DEADLINE;
    }
    const built = new cronium.CroniumAPIError(503, 'by hand');
    assert.deepEqual([built.statusCode, built.status, built.message], [503, 503, 'by hand']);
  });

  it("scripts load it Cronium's ways: require, import of the default class, the named cronium instance", async () => {
    const dir = s.tempDir();
    fs.mkdirSync(path.join(dir, 'node_modules'));
    fs.symlinkSync(s.HELPER_DIR, path.join(dir, 'node_modules', 'cronium'), 'dir');
    const env = s.scriptEnv(exec);
    const key = s.uniqueKey('loading');
    const scripts = {
      'required.js': `const Cronium = require('cronium'); const c = new Cronium();
        (async () => { await c.setVariable('${key}', 1); console.log(await Cronium.cronium.getVariable('${key}')); })();`,
      'imported.mjs': `import Cronium, { cronium } from 'cronium';
        await new Cronium().setVariable('${key}', 2); console.log(await cronium.getVariable('${key}'));`,
      'default.mjs': `import cronium from 'cronium'; await cronium.setVariable('${key}', 3); console.log(await cronium.getVariable('${key}'));`,
    };
    let expected = 0;
    for (const [file, code] of Object.entries(scripts)) {
      const result = await s.runScript(code, { env, dir, file });
      assert.equal(result.code, 0, `${file}: ${result.stderr}`);
      assert.equal(result.stdout.trim(), String(++expected), file);
    }
  });
});
