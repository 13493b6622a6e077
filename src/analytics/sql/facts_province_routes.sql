-- Provinces' key route designations by year (Art. 5.6).
SELECT province_code, year, route_scope FROM province_route
