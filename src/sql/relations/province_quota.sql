-- Each province's registered yearly quota of communes to make drug-free.
SELECT * FROM province_quota
