-- Template: one curated relation copied into the sandbox being built.
-- example: name=boundary_version; query=SELECT * FROM boundary_version
-- needs: sql/statements/attach_build.sql
CREATE TABLE sandbox_build.main.{name} AS {query}
