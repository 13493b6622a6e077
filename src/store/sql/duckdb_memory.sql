-- What DuckDB's buffer manager holds now and may hold (its memory limit), in bytes, for
-- /api/health and /metrics: the server's --memory-budget gives DuckDB a share.
SELECT coalesce((SELECT sum(memory_usage_bytes) FROM duckdb_memory()), 0)::BIGINT AS used_bytes,
       (SELECT value FROM duckdb_settings() WHERE name = 'memory_limit')       AS memory_limit
