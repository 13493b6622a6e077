DELETE FROM classification
