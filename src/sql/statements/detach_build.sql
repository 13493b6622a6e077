-- needs: sql/statements/attach_build.sql
DETACH sandbox_build
