-- The reference population: every partner's first check-in of each subscale, across all couples.
-- One row per scored answer, turned the same way round as in scoring (reverse items reversed), with
-- the partner's score of that subscale that month (the SD of reliable change and Cronbach's alpha
-- are computed from these in mendwell/analysis.py).
WITH sc AS (
-- include: scores
),
firsts AS (
    SELECT partner_id, period, instrument_id, subscale_id, score
    FROM sc
    QUALIFY row_number() OVER (PARTITION BY partner_id, instrument_id, subscale_id ORDER BY period) = 1
)
SELECT f.partner_id, f.instrument_id, f.subscale_id, f.score, i.item_id,
       CASE WHEN i.reverse THEN i.scale_min + i.scale_max - r.value ELSE r.value END AS value
FROM firsts f
JOIN checkins c ON c.partner_id = f.partner_id AND c.period = f.period AND c.status = 'submitted'
JOIN responses r ON r.checkin_id = c.checkin_id AND r.instrument_id = f.instrument_id
JOIN instrument_items i
  ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
WHERE i.subscale_id = f.subscale_id AND r.value IS NOT NULL
ORDER BY f.instrument_id, f.subscale_id, f.partner_id, i.item_id
