'use strict';
// Cronium's SDK names over the helper's functions (no request of their own): executeToolAction,
// sendEmail({...}), sendSlackMessage({...}), sendDiscordMessage({...}), and the client class that is
// the module itself (`new Cronium()`, the default export) with a `cronium` instance. Scripts written
// for that SDK run unchanged; README.md's "Cronium's names" lists what differs.

function isOptions(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The module's exports: `functions` (index.js) and Cronium's names, as static and instance methods of
 * one class, with `constants` (errors, OPERATIONS, VERSION) beside them.
 */
function build(functions, constants) {
  const { toolAction } = functions;
  const { CroniumAPIError } = constants;

  /** Run a tool action; resolves the provider's answer (`data`), rejects with CroniumAPIError when it failed. */
  async function executeToolAction(tool, action, config = {}, credential = null) {
    const result = await toolAction(tool, action, config ?? {}, credential);
    if (!result.success) {
      const error = result.error ?? 'the tool reported a failure';
      throw new CroniumAPIError(200, `runToolAction: ${tool} ${action} failed: ${error}`, {
        code: 'tool_failed', detail: error, problem: { code: 'tool_failed', status: 200, detail: error, data: result.data }, operationId: 'runToolAction',
      });
    }
    return result.data;
  }

  // Cronium's form takes one object and resolves the provider's answer; the positional form is this
  // helper's own and keeps resolving {success, data, error}.
  function sendEmail(to, ...rest) {
    if (!isOptions(to)) return functions.sendEmail(to, ...rest);
    const { credential = null, ...config } = to;
    return executeToolAction('email', 'send', config, credential);
  }

  /** A Slack message: { channel, text, ...anything the webhook takes, credential? }. */
  function sendSlackMessage({ credential = null, ...config } = {}) {
    return executeToolAction('slack', 'send', config, credential);
  }

  /** A Discord message: { channelId, content, embeds?, credential? } (a webhook posts to its own channel). */
  function sendDiscordMessage({ credential = null, ...config } = {}) {
    return executeToolAction('discord', 'send', config, credential);
  }

  const methods = { ...functions, sendEmail, executeToolAction, sendSlackMessage, sendDiscordMessage };

  /**
   * Cronium's client class, and the module itself: `cronium.getVariable(...)` (static) and
   * `new Cronium().getVariable(...)` (instance) are the same function. Making one never fails:
   * the configuration is read from the environment at each call.
   */
  class Cronium {}
  for (const [name, fn] of Object.entries(methods)) {
    Object.defineProperty(Cronium.prototype, name, { value: fn, writable: true, configurable: true });
    Cronium[name] = fn;
  }
  Object.assign(Cronium, constants);
  Cronium.Cronium = Cronium;
  Cronium.cronium = new Cronium();
  // `import cronium from 'cronium'` in TypeScript's CommonJS interop reads `.default`.
  Object.defineProperty(Cronium, 'default', { value: Cronium, enumerable: false });
  return Cronium;
}

module.exports = { build };
