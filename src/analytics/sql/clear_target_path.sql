DELETE FROM target_path
