-- Boundary versions: the sets of units valid over a period (not commune data: never cut by scope).
SELECT id, name, valid_from, valid_to, code_system, source FROM boundary_version
