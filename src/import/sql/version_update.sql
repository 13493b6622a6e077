-- Adding a level to an existing boundary version: its end, source and snapping tolerance follow the
-- newest import (the tolerance never shrinks: the other levels may need it).
UPDATE boundary_version
SET valid_to = ?, source = coalesce(?, source), snap_tolerance = greatest(snap_tolerance, ?)
WHERE id = ?
