-- Per province and year: communes by status, drug-free share against the target path, quotas.
SELECT * FROM province_progress
