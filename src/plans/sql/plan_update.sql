-- Change name, quota or status; a NULL leaves the field as it is.
UPDATE plan SET name = coalesce(?, name), quota = coalesce(?, quota), status = coalesce(?, status) WHERE plan_id = ?
