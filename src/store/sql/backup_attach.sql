-- Template: {path} is a quoted file name made by the backup code.
-- example: path=':memory:'
ATTACH {path} AS atlas_backup
