DELETE FROM plan_commune WHERE plan_id = ? AND unit_id = ?
