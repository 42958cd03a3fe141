-- The runtime's setVariable statement, verbatim (VariableStore.UpsertSql in src/Cronium.Runtime/Storage).
-- Run with -M prepared so :user_id, :key, :value and :now are bound parameters, as Npgsql/Dapper send them.
INSERT INTO variables (user_id, key, value, version, deleted, updated_at)
VALUES (:user_id, :key, :value, 1, false, :now)
ON CONFLICT (user_id, key) DO UPDATE
    SET value = excluded.value, version = variables.version + 1, deleted = false, updated_at = excluded.updated_at
RETURNING version, updated_at;
