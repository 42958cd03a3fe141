-- Times are milliseconds since the Unix epoch (UTC), the same in PostgreSQL and SQLite.
-- JSON values are kept as the text the client sent, so they read back exactly as written.
CREATE TABLE executions (
    id               text PRIMARY KEY,
    user_id          text NOT NULL,
    job_id           text NOT NULL,
    event_id         text NOT NULL,
    event_name       text NOT NULL,
    event_type       text NOT NULL,
    workflow         text NULL,
    attempt          integer NOT NULL,
    input            text NULL,
    output           text NULL,
    condition        boolean NULL,
    metadata         text NOT NULL,
    status           text NOT NULL,
    exit_code        integer NULL,
    error            text NULL,
    timeout_seconds  integer NOT NULL,
    token_id         text NOT NULL,
    token_expires_at bigint NOT NULL,
    started_at       bigint NOT NULL,
    deadline         bigint NOT NULL,
    completed_at     bigint NULL
);
CREATE INDEX executions_user_started ON executions (user_id, started_at);

-- Deleted variables stay as tombstones for a while so versions never go back (no ABA for ifVersion or the cache).
CREATE TABLE variables (
    user_id    text NOT NULL,
    key        text COLLATE "C" NOT NULL,
    value      text NULL,
    version    bigint NOT NULL,
    deleted    boolean NOT NULL DEFAULT false,
    updated_at bigint NOT NULL,
    PRIMARY KEY (user_id, key)
);

CREATE TABLE idempotency_keys (
    scope         text NOT NULL,
    key           text NOT NULL,
    request_hash  text NOT NULL,
    status_code   integer NOT NULL,
    response_body text NULL,
    created_at    bigint NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

CREATE TABLE audit_log (
    id           bigserial PRIMARY KEY,
    execution_id text NOT NULL,
    user_id      text NULL,
    operation    text NOT NULL,
    key          text NULL,
    status       integer NOT NULL,
    code         text NULL,
    at           bigint NOT NULL
);
CREATE INDEX audit_log_execution ON audit_log (execution_id, at);

CREATE TABLE tool_credentials (
    user_id    text NOT NULL,
    name       text COLLATE "C" NOT NULL,
    tool       text NOT NULL,
    key_id     text NOT NULL,
    secret     text NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (user_id, name)
);
