SELECT count(*) FROM key_route
