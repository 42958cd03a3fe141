// Types for the Cronium Node.js helper (index.js / index.mjs). See README.md and openapi.yaml.

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
  | 'setCondition'
  | 'getEvent'
  | 'runToolAction';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

/** operationId → [method, path template]: the one table of API paths in the helper. */
export declare const OPERATIONS: Readonly<Record<OperationId, readonly [HttpMethod, string]>>;

/** The helper's version. */
export declare const VERSION: string;

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

/** What event() resolves: the execution context. */
export interface ExecutionContext {
  executionId: string;
  jobId: string;
  userId: string;
  event: EventRef;
  workflow: WorkflowRef | null;
  /** The run (an event with its conditional actions, or a workflow) this execution belongs to. */
  runId: string | null;
  trigger: TriggerRef | null;
  attempt: number;
  startedAt: string;
  deadline: string;
  metadata: Record<string, string>;
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
export declare class CroniumError extends Error {
  constructor(
    message: string,
    fields?: { code?: string; status?: number; detail?: string | null; problem?: Problem | null; operationId?: string | null; cause?: unknown },
  );
  readonly name: 'CroniumError';
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

/** The execution's input (the previous event's output in a chain), or null. */
export declare function input<T = unknown>(): Promise<T | null>;

/** Set the execution's output (any JSON value; the last call wins). */
export declare function output(data: unknown): Promise<void>;

/** A variable's value; null (or `defaultValue`) when it does not exist. */
export declare function getVariable<T = unknown>(key: string): Promise<T | null>;
export declare function getVariable<T = unknown, D = T>(key: string, defaultValue: D): Promise<T | D>;

/** Create or replace a variable; `ifVersion` makes it compare-and-set (0 = only if absent). */
export declare function setVariable(
  key: string,
  value: unknown,
  options?: SetVariableOptions | number | null,
): Promise<VariableVersion>;

/** Delete a variable; rejects with code variable_not_found when there is none. */
export declare function deleteVariable(key: string): Promise<void>;

/** Every variable whose key starts with `prefix`, in key order (all pages). */
export declare function listVariables(prefix?: string): Promise<VariableVersion[]>;

/** Set the condition that ON_CONDITION actions follow. */
export declare function setCondition(flag: boolean): Promise<void>;

/** The execution context. */
export declare function event(): Promise<ExecutionContext>;

/** Run a tool action with a stored credential (default: the credential named after the tool). */
export declare function toolAction<T = unknown>(
  tool: ToolName | (string & {}),
  action: string,
  params?: Record<string, unknown>,
  credential?: string | null,
): Promise<ToolActionResult<T>>;

/** toolAction('email', 'send', { to, subject, body }, credential) */
export declare function sendEmail(
  to: string | string[],
  subject: string,
  body: string,
  credential?: string | null,
): Promise<ToolActionResult>;

/** toolAction('slack', 'send', { text }, credential) */
export declare function sendSlack(text: string, credential?: string | null): Promise<ToolActionResult>;

/** toolAction('discord', 'send', { content }, credential) */
export declare function sendDiscord(content: string, credential?: string | null): Promise<ToolActionResult>;

declare const cronium: {
  input: typeof input;
  output: typeof output;
  getVariable: typeof getVariable;
  setVariable: typeof setVariable;
  deleteVariable: typeof deleteVariable;
  listVariables: typeof listVariables;
  setCondition: typeof setCondition;
  event: typeof event;
  toolAction: typeof toolAction;
  sendEmail: typeof sendEmail;
  sendSlack: typeof sendSlack;
  sendDiscord: typeof sendDiscord;
  CroniumError: typeof CroniumError;
  OPERATIONS: typeof OPERATIONS;
  VERSION: typeof VERSION;
};
export default cronium;
