-- The unit ids of a user's scope, for cutting relations (filled by the scope code).
CREATE OR REPLACE TEMP TABLE scope_unit (unit_id BIGINT)
