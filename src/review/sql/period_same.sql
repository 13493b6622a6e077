-- The period already opened for a year and province (NULL: the national one).
SELECT id FROM review_period WHERE year = ?1 AND province_code IS NOT DISTINCT FROM ?2
