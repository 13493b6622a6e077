-- The sandbox's relations and their columns, for the schema browser.
SELECT table_name, column_name, data_type
FROM information_schema.columns
ORDER BY table_name, ordinal_position
