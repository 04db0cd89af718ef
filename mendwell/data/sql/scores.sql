-- Subscale scores per partner, month and subscale, with band and tone; filtered by the optional
-- $scores_couple, $scores_couples (a list) and $scores_partner (NULL: everyone). The mean is sum / count, so it equals a plain
-- recomputation bit for bit (answers are whole numbers, so the sum is exact).
WITH answered AS (
    SELECT c.couple_id, c.partner_id, c.period, r.instrument_id, r.instrument_version,
           i.subscale_id,
           CASE WHEN i.reverse THEN i.scale_min + i.scale_max - r.value ELSE r.value END AS v
    FROM checkins c
    JOIN responses r USING (checkin_id)
    JOIN instrument_items i
      ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
    WHERE c.status = 'submitted' AND r.value IS NOT NULL AND i.subscale_id IS NOT NULL
      AND ($scores_couple IS NULL OR c.couple_id = $scores_couple)
      AND ($scores_couples IS NULL OR list_contains($scores_couples, c.couple_id))
      AND ($scores_partner IS NULL OR c.partner_id = $scores_partner)
),
scored AS (
    SELECT a.couple_id, a.partner_id, a.period, a.instrument_id, a.instrument_version, a.subscale_id,
           s.higher_is, s.private, s.position AS subscale_position, s.scoring,
           count(*) AS n_items,
           CASE s.scoring WHEN 'sum' THEN sum(a.v) ELSE sum(a.v) / count(*) END AS score
    FROM answered a
    JOIN instrument_subscales s
      ON s.instrument_id = a.instrument_id AND s.version = a.instrument_version AND s.subscale_id = a.subscale_id
    GROUP BY a.couple_id, a.partner_id, a.period, a.instrument_id, a.instrument_version, a.subscale_id,
             s.higher_is, s.private, s.position, s.scoring
)
SELECT sc.couple_id, sc.partner_id, sc.period, sc.instrument_id, sc.subscale_id, sc.score,
       b.label AS band, b.tone AS band_tone, sc.instrument_version, sc.n_items, sc.higher_is,
       sc.private, sc.subscale_position
FROM scored sc
LEFT JOIN instrument_bands b
  ON b.instrument_id = sc.instrument_id AND b.version = sc.instrument_version
 AND b.subscale_id = sc.subscale_id AND (b.below IS NULL OR sc.score < b.below)
QUALIFY row_number() OVER (
    PARTITION BY sc.partner_id, sc.period, sc.instrument_id, sc.instrument_version, sc.subscale_id
    ORDER BY b.position
) = 1
ORDER BY sc.couple_id, sc.partner_id, sc.period, sc.instrument_id, sc.subscale_position
