-- A run made with `exclusive` (a schedule whose overlap is skip) may not be queued or running beside another
-- exclusive run of the same definition. The index decides, so two racing fires cannot both pass a
-- look-then-insert: the second insert finds the first and does nothing.
ALTER TABLE runs ADD COLUMN is_exclusive integer NOT NULL DEFAULT 0;
CREATE UNIQUE INDEX runs_one_exclusive_active ON runs (kind, name) WHERE is_exclusive <> 0 AND status IN ('queued', 'running');
