-- The audit trail keeps every call, stored a batch at a time: one row per execution (and user) in each batch the audit
-- writer sends, its calls in arrays in the order they came. One row a call cost PostgreSQL about 4 µs of CPU each (two
-- indexes and a sequence), a thousand at once every 50 ms under load, and where PostgreSQL shares the runtime's cores
-- those bursts held back the calls in flight (bench/runtime.sh: getVariable's p99 at a fixed rate 2.7-3.2 -> 1.6-1.8 ms).
-- The view audit_log reads as the table did: one row per call, the same columns; ids grow in the order calls were
-- recorded (the batch row's id times 65536 plus the call's place in it).
CREATE TABLE audit_batches (
    id           bigserial PRIMARY KEY,
    execution_id text NOT NULL,
    user_id      text NULL,
    operations   text[] NOT NULL,
    keys         text[] NOT NULL,
    statuses     integer[] NOT NULL,
    codes        text[] NOT NULL,
    ats          bigint[] NOT NULL,
    last_at      bigint NOT NULL,
    CONSTRAINT audit_batches_calls CHECK (
        cardinality(ats) BETWEEN 1 AND 65535
        AND cardinality(operations) = cardinality(ats) AND cardinality(keys) = cardinality(ats)
        AND cardinality(statuses) = cardinality(ats) AND cardinality(codes) = cardinality(ats))
);
CREATE INDEX audit_batches_execution ON audit_batches (execution_id);

-- The rows already kept move over in their order, a thousand calls a row at most.
INSERT INTO audit_batches (execution_id, user_id, operations, keys, statuses, codes, ats, last_at)
SELECT execution_id, user_id, array_agg(operation ORDER BY id), array_agg(key ORDER BY id), array_agg(status ORDER BY id),
       array_agg(code ORDER BY id), array_agg(at ORDER BY id), max(at)
FROM audit_log
GROUP BY execution_id, user_id, id / 1000
ORDER BY min(id);

DROP TABLE audit_log;

CREATE VIEW audit_log AS
SELECT b.id * 65536 + c.n AS id, b.execution_id, b.user_id, c.operation, c.key, c.status, c.code, c.at
FROM audit_batches b
CROSS JOIN LATERAL unnest(b.operations, b.keys, b.statuses, b.codes, b.ats) WITH ORDINALITY AS c (operation, key, status, code, at, n);
