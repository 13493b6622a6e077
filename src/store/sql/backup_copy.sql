-- Template: {database} is the store's own database name, quoted as an identifier.
-- example: database="atlas"
-- needs: store/sql/backup_attach.sql
COPY FROM DATABASE {database} TO atlas_backup
