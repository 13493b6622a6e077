DELETE FROM key_route
