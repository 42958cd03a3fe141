-- The shared cache's epoch, kept where the truth is. A write that could not update the cache bumps it; every
-- instance reads it a few times a second and trusts only cache entries written under the epoch it last read.
CREATE TABLE cache_epoch (
    id    integer PRIMARY KEY,
    epoch bigint NOT NULL
);
INSERT INTO cache_epoch (id, epoch) VALUES (1, 1);
