-- The reference population: every partner's first check-in of each subscale, across all couples.
-- One row per scored answer, turned the same way round as in scoring (reverse items reversed), with
-- the partner's score of that subscale that month (the SD of reliable change and Cronbach's alpha
-- are computed from these in mendwell/analysis.py). The first month of each subscale is found before
-- anything is scored, so only those months are scored (scoring every month of every partner first
-- took seconds on a large practice). The score is computed as in scores.sql.
WITH firsts AS (
    SELECT c.partner_id, i.instrument_id, i.subscale_id, min(c.period) AS period
    FROM checkins c
    JOIN responses r USING (checkin_id)
    JOIN instrument_items i
      ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
    JOIN instrument_subscales s
      ON s.instrument_id = i.instrument_id AND s.version = i.version AND s.subscale_id = i.subscale_id
    WHERE c.status = 'submitted' AND r.value IS NOT NULL
    GROUP BY c.partner_id, i.instrument_id, i.subscale_id
),
first_checkins AS (
    SELECT f.partner_id, f.instrument_id, f.subscale_id, c.checkin_id
    FROM firsts f
    JOIN checkins c ON c.partner_id = f.partner_id AND c.period = f.period AND c.status = 'submitted'
),
first_answers AS (
    SELECT f.partner_id, f.instrument_id, f.subscale_id, r.instrument_version, r.item_id, s.scoring,
           CASE WHEN i.reverse THEN i.scale_min + i.scale_max - r.value ELSE r.value END AS v
    FROM first_checkins f
    JOIN responses r ON r.checkin_id = f.checkin_id AND r.instrument_id = f.instrument_id
    JOIN instrument_items i
      ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
    JOIN instrument_subscales s
      ON s.instrument_id = i.instrument_id AND s.version = i.version AND s.subscale_id = i.subscale_id
    WHERE i.subscale_id = f.subscale_id AND r.value IS NOT NULL
),
scored AS (
    SELECT partner_id, instrument_id, subscale_id,
           CASE any_value(scoring) WHEN 'sum' THEN sum(v) ELSE sum(v) / count(*) END AS score
    FROM first_answers
    GROUP BY partner_id, instrument_id, instrument_version, subscale_id
    QUALIFY row_number() OVER (PARTITION BY partner_id, instrument_id, subscale_id ORDER BY instrument_version) = 1
)
SELECT sc.partner_id, sc.instrument_id, sc.subscale_id, sc.score, a.item_id, a.v AS value
FROM scored sc
JOIN first_answers a USING (partner_id, instrument_id, subscale_id)
ORDER BY sc.instrument_id, sc.subscale_id, sc.partner_id, a.item_id
