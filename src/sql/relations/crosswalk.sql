-- Old unit → new unit across boundary changes, both ends named.
SELECT * FROM crosswalk_v
