DELETE FROM conversion
