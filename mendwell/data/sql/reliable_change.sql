WITH everyone AS (
-- include: scores
),
mine AS (SELECT * FROM everyone WHERE couple_id = $couple_id),
own_sd AS (
    SELECT instrument_id, subscale_id, stddev_samp(score) AS sd, count(*) AS n
    FROM mine GROUP BY instrument_id, subscale_id
),
all_sd AS (
    SELECT instrument_id, subscale_id, stddev_samp(score) AS sd
    FROM everyone GROUP BY instrument_id, subscale_id
),
ordered AS (
    SELECT m.*,
           lag(m.score) OVER w AS previous_score,
           lag(m.period) OVER w AS previous_period
    FROM mine m
    WINDOW w AS (PARTITION BY m.partner_id, m.instrument_id, m.subscale_id ORDER BY m.period)
)
SELECT o.couple_id, o.partner_id, o.period, o.instrument_id, o.subscale_id, o.score, o.band, o.band_tone,
       o.higher_is, o.private, o.previous_score, o.previous_period,
       o.score - o.previous_score AS change,
       s.reliability,
       CASE WHEN own.n >= $min_own THEN own.sd ELSE alls.sd END AS sd,
       CASE WHEN own.n >= $min_own THEN 'couple' ELSE 'everyone' END AS sd_source
FROM ordered o
JOIN instrument_subscales s
  ON s.instrument_id = o.instrument_id AND s.version = o.instrument_version AND s.subscale_id = o.subscale_id
LEFT JOIN own_sd own ON own.instrument_id = o.instrument_id AND own.subscale_id = o.subscale_id
LEFT JOIN all_sd alls ON alls.instrument_id = o.instrument_id AND alls.subscale_id = o.subscale_id
ORDER BY o.partner_id, o.instrument_id, o.subscale_id, o.period
