-- Runs: what a user started (one event with its conditional actions, or a workflow), with the executions
-- that belong to it and, for a workflow, one row per node. Logs: every execution's output, in order.
ALTER TABLE executions ADD COLUMN run_id TEXT NULL;
ALTER TABLE executions ADD COLUMN trigger TEXT NULL;
ALTER TABLE executions ADD COLUMN log_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN log_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN log_truncated INTEGER NOT NULL DEFAULT 0;
CREATE INDEX executions_run ON executions (run_id) WHERE run_id IS NOT NULL;
CREATE INDEX executions_completed ON executions (completed_at) WHERE completed_at IS NOT NULL;

CREATE TABLE runs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    name         TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    status       TEXT NOT NULL,
    input        TEXT NULL,
    error        TEXT NULL,
    metadata     TEXT NOT NULL,
    started_at   INTEGER NOT NULL,
    completed_at INTEGER NULL
);
CREATE INDEX runs_started ON runs (started_at, id);
CREATE INDEX runs_completed ON runs (completed_at) WHERE completed_at IS NOT NULL;

CREATE TABLE run_nodes (
    run_id       TEXT NOT NULL,
    node_id      TEXT NOT NULL,
    position     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    status       TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    execution_id TEXT NULL,
    error        TEXT NULL,
    started_at   INTEGER NULL,
    completed_at INTEGER NULL,
    PRIMARY KEY (run_id, node_id)
);

CREATE TABLE execution_logs (
    execution_id TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    stream       TEXT NOT NULL,
    text         TEXT NOT NULL,
    PRIMARY KEY (execution_id, seq)
);
