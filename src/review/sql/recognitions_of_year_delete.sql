-- A decision replaces a commune's official acts of the year (its key type, its drug-free recognition).
DELETE FROM recognition_event
WHERE unit_id = ? AND year_covered = ? AND status_type IN ('key_type_official', 'khong_ma_tuy_2025')
