-- Close an open period, if it is still at the version the caller saw.
UPDATE review_period SET state = ?, version = version + 1 WHERE id = ? AND version = ? AND state = 'open'
