-- One commune of a decision: its list, and beside it the figures', the commune's own and last period's.
INSERT INTO review_decision_entry (decision_id, unit_id, list, computed_list, self_list, previous_list, criteria, override_reason)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
