-- Open a review period (values: year, province or NULL, dates, deadlines, who, when).
INSERT INTO review_period (year, province_code, period_start, period_end, commune_deadline, province_deadline, ministry_deadline, state, opened_by, opened_at)
VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)
RETURNING id
