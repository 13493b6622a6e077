-- Per-commune-per-year indicators with the commune's identity and Decision 28's rates.
SELECT * FROM indicator_v
