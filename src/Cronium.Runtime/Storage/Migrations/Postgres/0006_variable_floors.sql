-- Per user, the highest version a pruned tombstone had. A variable made again after its tombstone was pruned
-- starts above it, so versions of a key never go back: a stale ifVersion cannot match the new variable, and a
-- cache entry still holding the tombstone cannot outrank the new variable's first write.
CREATE TABLE variable_floors (
    user_id text PRIMARY KEY,
    version bigint NOT NULL
);
