UPDATE plan_commune SET note = ? WHERE plan_id = ? AND unit_id = ?
