SELECT count(*) > 0 FROM atlas_user WHERE NOT disabled
