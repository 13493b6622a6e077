-- Template: the new sandbox file, attached to a store connection while it is filled.
-- example: path=':memory:'
ATTACH {path} AS sandbox_build
