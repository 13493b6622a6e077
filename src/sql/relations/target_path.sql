-- The target share of drug-free communes per province and year (data/rules/targets.toml).
SELECT * FROM target_path
