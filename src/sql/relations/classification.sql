-- Every commune-year's status, key type and the criteria behind it.
SELECT * FROM classification_v
