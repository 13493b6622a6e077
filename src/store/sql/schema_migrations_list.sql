-- The migrations a store has seen, with the checksum of the SQL that ran.
SELECT version, checksum FROM schema_migrations ORDER BY version
