-- Times are milliseconds since the Unix epoch (UTC), the same in PostgreSQL and SQLite.
-- JSON values are kept as the text the client sent, so they read back exactly as written.
CREATE TABLE executions (
    id               TEXT PRIMARY KEY,
    user_id          TEXT NOT NULL,
    job_id           TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    event_name       TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    workflow         TEXT NULL,
    attempt          INTEGER NOT NULL,
    input            TEXT NULL,
    output           TEXT NULL,
    condition        INTEGER NULL,
    metadata         TEXT NOT NULL,
    status           TEXT NOT NULL,
    exit_code        INTEGER NULL,
    error            TEXT NULL,
    timeout_seconds  INTEGER NOT NULL,
    token_id         TEXT NOT NULL,
    token_expires_at INTEGER NOT NULL,
    started_at       INTEGER NOT NULL,
    deadline         INTEGER NOT NULL,
    completed_at     INTEGER NULL
);
CREATE INDEX executions_user_started ON executions (user_id, started_at);

CREATE TABLE variables (
    user_id    TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NULL,
    version    INTEGER NOT NULL,
    deleted    INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE idempotency_keys (
    scope         TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status_code   INTEGER NOT NULL,
    response_body TEXT NULL,
    created_at    INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_id TEXT NOT NULL,
    user_id      TEXT NULL,
    operation    TEXT NOT NULL,
    key          TEXT NULL,
    status       INTEGER NOT NULL,
    code         TEXT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX audit_log_execution ON audit_log (execution_id, at);

CREATE TABLE tool_credentials (
    user_id    TEXT NOT NULL,
    name       TEXT NOT NULL,
    tool       TEXT NOT NULL,
    key_id     TEXT NOT NULL,
    secret     TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, name)
);
