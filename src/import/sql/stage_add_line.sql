-- The source line of each staged row, for messages.
-- needs: import/sql/stage_create.sql
ALTER TABLE incoming ADD COLUMN _line BIGINT
