-- Every unit of every boundary version, without geometry (exports add it as WKB).
SELECT * FROM unit
