SELECT old_unit_id, new_unit_id, relation, weight_population, weight_area FROM unit_crosswalk
