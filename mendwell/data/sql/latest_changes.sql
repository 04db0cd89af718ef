WITH sc AS (
-- include: scores
),
shared AS (SELECT * FROM sc WHERE NOT private),
own AS (
    SELECT couple_id, instrument_id, subscale_id, stddev_samp(score) AS sd, count(*) AS n
    FROM shared GROUP BY couple_id, instrument_id, subscale_id
),
alls AS (
    SELECT instrument_id, subscale_id, stddev_samp(score) AS sd FROM shared GROUP BY instrument_id, subscale_id
),
ordered AS (
    SELECT s.*,
           lag(s.score) OVER w AS previous_score,
           lag(s.period) OVER w AS previous_period,
           lag(s.band_tone) OVER w AS previous_tone,
           row_number() OVER (PARTITION BY s.partner_id, s.instrument_id, s.subscale_id ORDER BY s.period DESC) AS rn
    FROM shared s
    WINDOW w AS (PARTITION BY s.partner_id, s.instrument_id, s.subscale_id ORDER BY s.period)
)
SELECT o.couple_id, o.partner_id, o.period, o.instrument_id, o.subscale_id, o.score, o.band, o.band_tone,
       o.higher_is, o.previous_score, o.previous_period, o.previous_tone,
       o.score - o.previous_score AS change, sub.reliability,
       CASE WHEN own.n >= $min_own THEN own.sd ELSE alls.sd END AS sd,
       CASE WHEN own.n >= $min_own THEN 'couple' ELSE 'everyone' END AS sd_source
FROM ordered o
JOIN instrument_subscales sub
  ON sub.instrument_id = o.instrument_id AND sub.version = o.instrument_version AND sub.subscale_id = o.subscale_id
LEFT JOIN own ON own.couple_id = o.couple_id AND own.instrument_id = o.instrument_id AND own.subscale_id = o.subscale_id
LEFT JOIN alls ON alls.instrument_id = o.instrument_id AND alls.subscale_id = o.subscale_id
WHERE o.rn = 1
