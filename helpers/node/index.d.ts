// Types for the Cronium Node.js helper (index.js / index.mjs). See README.md and openapi.yaml.
// The module is Cronium's client class (as in Cronium's SDK): `require('cronium')` and the default
// import are the class, whose static methods are the helpers; `new Cronium()` has them as methods.

/** Every helper, as a method: what a Cronium instance (and the `cronium` export) has. */
interface CroniumMethods {
  input: typeof Cronium.input;
  output: typeof Cronium.output;
  getVariable: typeof Cronium.getVariable;
  setVariable: typeof Cronium.setVariable;
  deleteVariable: typeof Cronium.deleteVariable;
  listVariables: typeof Cronium.listVariables;
  setCondition: typeof Cronium.setCondition;
  getCondition: typeof Cronium.getCondition;
  event: typeof Cronium.event;
  toolAction: typeof Cronium.toolAction;
  sendEmail: typeof Cronium.sendEmail;
  sendSlack: typeof Cronium.sendSlack;
  sendDiscord: typeof Cronium.sendDiscord;
  executeToolAction: typeof Cronium.executeToolAction;
  sendSlackMessage: typeof Cronium.sendSlackMessage;
  sendDiscordMessage: typeof Cronium.sendDiscordMessage;
}

/** `new Cronium()` as in Cronium's SDK (making one never fails); `Cronium.getVariable(...)` needs none. */
interface Cronium extends CroniumMethods {}
declare class Cronium {
  /** The class itself, under the name Cronium's SDK exported it. */
  static readonly Cronium: typeof Cronium;
  /** The default export under TypeScript's CommonJS interop. */
  static readonly default: typeof Cronium;
}

declare namespace Cronium {

  /** Any value JSON can carry. Values you pass are serialized with JSON.stringify. */
  export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

  /** The script-facing operationIds of openapi.yaml. */
  export type OperationId =
    | 'getInput'
    | 'setOutput'
    | 'getVariable'
    | 'setVariable'
    | 'deleteVariable'
    | 'listVariables'
    | 'getCondition'
    | 'setCondition'
    | 'getEvent'
    | 'runToolAction';

  export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

  /** operationId → [method, path template]: the one table of API paths in the helper. */
  export const OPERATIONS: Readonly<Record<OperationId, readonly [HttpMethod, string]>>;

  /** The helper's version. */
  export const VERSION: string;

  /** A variable's key and version after a write, or as listed. */
  export interface VariableVersion {
    key: string;
    version: number;
    /** RFC 3339 timestamp. */
    updatedAt: string;
  }

  export interface SetVariableOptions {
    /** Write only if the current version equals this; 0 = only if the variable does not exist. */
    ifVersion?: number | null;
  }

  export interface EventRef {
    id: string;
    name: string;
    type: 'BASH' | 'PYTHON' | 'NODEJS' | 'TOOL_ACTION';
  }

  export interface WorkflowRef {
    /** The workflow's name. */
    id: string;
    runId: string;
    nodeId: string;
  }

  /** The execution whose conditional action started this one, and the action's kind. */
  export interface TriggerRef {
    executionId: string;
    kind: 'ON_SUCCESS' | 'ON_FAILURE' | 'ALWAYS' | 'ON_CONDITION';
  }

  /** What event() resolves (getEvent): the execution and its event, nested and also flat (id, name, type) as in Cronium. */
  export interface ExecutionEvent {
    executionId: string;
    jobId: string;
    userId: string;
    event: EventRef;
    workflow: WorkflowRef | null;
    /** The run (an event with its conditional actions, or a workflow) this execution belongs to. */
    runId: string | null;
    trigger: TriggerRef | null;
    /** Which try this is: a workflow node's retries count from 1; a run `cronium serve` runs again after its instance died starts from 2. */
    attempt: number;
    startedAt: string;
    deadline: string;
    metadata: Record<string, string>;
    /** `event.id` again, at the top level as Cronium's context had it (also `eventId`). */
    id: string;
    /** `event.name` (also `eventName`). */
    name: string;
    /** `event.type` (also `eventType`). */
    type: EventRef['type'];
    eventId: string;
    eventName: string;
    eventType: EventRef['type'];
  }

  export type ToolName = 'email' | 'slack' | 'discord' | 'webhook';

  /** What a tool action resolves: the provider's outcome. */
  export interface ToolActionResult<T = unknown> {
    success: boolean;
    data: T | null;
    error: string | null;
  }

  /** An RFC 9457 problem document as the runtime sends it. */
  export interface Problem {
    type: string;
    title: string;
    status: number;
    detail?: string;
    instance?: string;
    code: string;
    traceId: string;
    errors?: Record<string, string[]>;
    limit?: number;
    received?: number;
    retryAfter?: number;
    currentVersion?: number;
    [extension: string]: unknown;
  }

  /**
   * The one error the helper rejects with (argument mistakes reject with TypeError).
   * `code` is the problem's code (variable_not_found, version_conflict, payload_too_large,
   * token_expired, execution_finished, execution_mismatch, ...) or one of the helper's own:
   * configuration_missing, configuration_invalid, unavailable (status 0), unexpected_response.
   */
  export class CroniumError extends Error {
    constructor(
      message: string,
      fields?: { code?: string; status?: number; detail?: string | null; problem?: Problem | null; operationId?: string | null; cause?: unknown },
    );
    readonly name: 'CroniumError' | 'CroniumAPIError' | 'CroniumTimeoutError';
    /** Stable machine code; switch on this. */
    code: string;
    /** HTTP status, or 0 when no HTTP answer was involved (configuration, unreachable runtime). */
    status: number;
    /** The problem's human-readable detail, or null. */
    detail: string | null;
    /** The whole problem document, or null. */
    problem: Problem | null;
    /** The operationId of the call that failed, or null. */
    operationId: string | null;
  }

  /** The runtime answered with an error (or a tool's provider failed): Cronium's `statusCode` is the HTTP status. */
  export class CroniumAPIError extends CroniumError {
    constructor(statusCode: number, message: string, fields?: { code?: string; detail?: string | null; problem?: Problem | null; operationId?: string | null });
    statusCode: number;
  }

  /** The runtime could not be reached before CRONIUM_RETRY_DEADLINE ran out (code `unavailable`). */
  export class CroniumTimeoutError extends CroniumError {
    constructor(message: string, fields?: { operationId?: string | null; cause?: unknown });
  }

  /** The execution's input (the previous event's output in a chain), or null. */
  export function input<T = unknown>(): Promise<T | null>;

  /** Set the execution's output (any JSON value; the last call wins). */
  export function output(data: unknown): Promise<void>;

  /** A variable's value; null (or `defaultValue`) when it does not exist. */
  export function getVariable<T = unknown>(key: string): Promise<T | null>;
  export function getVariable<T = unknown, D = T>(key: string, defaultValue: D): Promise<T | D>;

  /** Create or replace a variable; `ifVersion` makes it compare-and-set (0 = only if absent). */
  export function setVariable(
    key: string,
    value: unknown,
    options?: SetVariableOptions | number | null,
  ): Promise<VariableVersion>;

  /** Delete a variable; rejects with code variable_not_found when there is none. */
  export function deleteVariable(key: string): Promise<void>;

  /** Every variable whose key starts with `prefix`, in key order (all pages). */
  export function listVariables(prefix?: string): Promise<VariableVersion[]>;

  /** Cronium's spellings of a condition: 1/0 and true/false, yes/no, on/off in any case. */
  export type ConditionWord = 0 | 1 | 'true' | 'false' | 'yes' | 'no' | 'on' | 'off' | '1' | '0' | (Uppercase<'true' | 'false' | 'yes' | 'no' | 'on' | 'off'>);

  /** Set the condition that ON_CONDITION actions follow; `{ strict: true }` takes a real boolean only. */
  export function setCondition(flag: boolean, options?: { strict?: boolean }): Promise<void>;
  export function setCondition(flag: boolean | ConditionWord, options?: { strict?: false }): Promise<void>;

  /** The condition set so far; `defaultValue` (false) when none was set. */
  export function getCondition(): Promise<boolean>;
  export function getCondition<D>(defaultValue: D): Promise<boolean | D>;

  /** The execution and its event (getEvent). */
  export function event(): Promise<ExecutionEvent>;

  /** Run a tool action with a stored credential (default: the credential named after the tool). */
  export function toolAction<T = unknown>(
    tool: ToolName | (string & {}),
    action: string,
    params?: Record<string, unknown>,
    credential?: string | null,
  ): Promise<ToolActionResult<T>>;

  /** toolAction('email', 'send', { to, subject, body }, credential) */
  export function sendEmail(
    to: string | string[],
    subject: string,
    body: string,
    credential?: string | null,
  ): Promise<ToolActionResult>;
  /** Cronium's form: resolves the provider's answer, rejects with CroniumAPIError when it failed. */
  export function sendEmail(options: EmailOptions): Promise<unknown>;

  /** Cronium's sendEmail options; anything else is passed to the tool as well. */
  export interface EmailOptions {
    to: string | string[];
    subject: string;
    body: string;
    cc?: string | string[];
    bcc?: string | string[];
    /** true: `body` is HTML; a text: the HTML part beside the plain `body`. */
    html?: boolean | string;
    credential?: string | null;
    [key: string]: unknown;
  }

  export interface SlackOptions {
    channel?: string;
    text: string;
    credential?: string | null;
    [key: string]: unknown;
  }

  export interface DiscordOptions {
    channelId?: string;
    content: string;
    embeds?: unknown[];
    credential?: string | null;
    [key: string]: unknown;
  }

  /** Cronium's tool call: resolves the provider's answer (`data`); rejects with CroniumAPIError when it failed. */
  export function executeToolAction<T = unknown>(
    tool: ToolName | (string & {}),
    action: string,
    config?: Record<string, unknown>,
    credential?: string | null,
  ): Promise<T>;

  /** Cronium's Slack call: executeToolAction('slack', 'send', options) (its action 'send_message' is the same). */
  export function sendSlackMessage(options: SlackOptions): Promise<unknown>;

  /** Cronium's Discord call: executeToolAction('discord', 'send', options). */
  export function sendDiscordMessage(options: DiscordOptions): Promise<unknown>;

  /** toolAction('slack', 'send', { text }, credential) */
  export function sendSlack(text: string, credential?: string | null): Promise<ToolActionResult>;

  /** toolAction('discord', 'send', { content }, credential) */
  export function sendDiscord(content: string, credential?: string | null): Promise<ToolActionResult>;

  /** Cronium's SDK instance. */
  export const cronium: Cronium;
}

export = Cronium;
