-- The province codes of a user's scope.
CREATE OR REPLACE TEMP TABLE scope_province (code VARCHAR)
