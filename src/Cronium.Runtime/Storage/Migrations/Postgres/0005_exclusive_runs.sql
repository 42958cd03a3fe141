-- A run made with `exclusive` (a schedule whose overlap is skip) may not be queued or running beside another
-- exclusive run of the same definition. The index decides, so two fires racing on two instances cannot both
-- pass a look-then-insert: the second insert finds the first and does nothing.
ALTER TABLE runs ADD COLUMN is_exclusive boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX runs_one_exclusive_active ON runs (kind, name) WHERE is_exclusive AND status IN ('queued', 'running');
