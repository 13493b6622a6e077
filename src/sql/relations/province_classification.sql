-- Province-level key complex areas (Decision 28/2025 Art. 5) per province and year: the six criteria
-- on sums over the province's communes, met (at least / at most), and the result.
SELECT * FROM province_classification_v
