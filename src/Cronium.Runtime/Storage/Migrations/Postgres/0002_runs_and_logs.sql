-- Runs: what a user started (one event with its conditional actions, or a workflow), with the executions
-- that belong to it and, for a workflow, one row per node. Logs: every execution's output, in order.
ALTER TABLE executions ADD COLUMN run_id text NULL;
ALTER TABLE executions ADD COLUMN trigger text NULL;
ALTER TABLE executions ADD COLUMN log_bytes bigint NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN log_seq bigint NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN log_truncated boolean NOT NULL DEFAULT false;
CREATE INDEX executions_run ON executions (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX executions_completed ON executions (completed_at) WHERE completed_at IS NOT NULL;

CREATE TABLE runs (
    id           text PRIMARY KEY,
    kind         text NOT NULL,
    name         text NOT NULL,
    user_id      text NOT NULL,
    status       text NOT NULL,
    input        text NULL,
    error        text NULL,
    metadata     text NOT NULL,
    started_at   bigint NOT NULL,
    completed_at bigint NULL
);
CREATE INDEX runs_started ON runs (started_at, id);
CREATE INDEX runs_completed ON runs (completed_at) WHERE completed_at IS NOT NULL;

CREATE TABLE run_nodes (
    run_id       text NOT NULL,
    node_id      text COLLATE "C" NOT NULL,
    position     integer NOT NULL,
    kind         text NOT NULL,
    status       text NOT NULL,
    attempts     integer NOT NULL,
    execution_id text NULL,
    error        text NULL,
    started_at   bigint NULL,
    completed_at bigint NULL,
    PRIMARY KEY (run_id, node_id)
);

CREATE TABLE execution_logs (
    execution_id text NOT NULL,
    seq          bigint NOT NULL,
    at           bigint NOT NULL,
    stream       text NOT NULL,
    text         text NOT NULL,
    PRIMARY KEY (execution_id, seq)
);
