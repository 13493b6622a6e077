-- Provinces' key route designations by year (Art. 5.6), as imported.
SELECT * FROM province_route
