-- A province's period whose lists are approved: no more submissions or reviews.
UPDATE review_period SET state = ?, version = version + 1 WHERE id = ?
