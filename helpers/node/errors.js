'use strict';
// The helper's errors: one base type, and the two subtypes Cronium's own SDK threw, so scripts that
// catch CroniumAPIError (statusCode) or CroniumTimeoutError keep working. Catch CroniumError for all.

/** The one error type of the helper: a problem from the runtime, a missing setting, or the runtime unreachable. */
class CroniumError extends Error {
  constructor(message, { code, status = 0, detail = null, problem = null, operationId = null, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CroniumError';
    /** Stable machine code: the problem's `code`, or configuration_missing / configuration_invalid / unavailable / unexpected_response. */
    this.code = code;
    /** HTTP status; 0 when no HTTP answer was involved. */
    this.status = status;
    /** The problem's `detail` (human readable), or null. */
    this.detail = detail;
    /** The whole problem document (RFC 9457) when the runtime sent one, else null. */
    this.problem = problem;
    /** The operationId of the failed call, or null. */
    this.operationId = operationId;
  }
}

/** The runtime answered with an error, or a tool's provider failed. Built as in Cronium's SDK: (statusCode, message). */
class CroniumAPIError extends CroniumError {
  constructor(statusCode, message, fields = {}) {
    super(message, { code: 'http_error', ...fields, status: statusCode });
    this.name = 'CroniumAPIError';
    /** The HTTP status (Cronium's name for `status`). */
    this.statusCode = statusCode;
  }
}

/** The runtime could not be reached before CRONIUM_RETRY_DEADLINE ran out (code `unavailable`). */
class CroniumTimeoutError extends CroniumError {
  constructor(message, fields = {}) {
    super(message, { ...fields, code: 'unavailable', status: 0 });
    this.name = 'CroniumTimeoutError';
  }
}

module.exports = { CroniumError, CroniumAPIError, CroniumTimeoutError };
