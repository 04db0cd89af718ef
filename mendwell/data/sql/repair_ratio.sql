-- Per partner and month: the small hurts named (a `frequency` answer above "not this month"), how many
-- of their "was it mended?" follow-ups were answered, and how many of those were mended or partly.
-- A blank follow-up counts as not known: the share is of those answered, never of all named.
WITH mine AS (
    SELECT c.checkin_id, c.partner_id, c.period, r.item_id, r.value, i.subscale_id, i.show_if_item, i.scale_min
    FROM checkins c JOIN responses r USING (checkin_id)
    JOIN instrument_items i
      ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
    WHERE c.couple_id = $couple_id AND c.status = 'submitted' AND r.instrument_id = $instrument_id AND NOT i.private
)
SELECT f.partner_id, f.period,
       count(*) AS named,
       count(m.value) AS answered,
       count(*) FILTER (WHERE m.value > m.scale_min) AS mended,
       CASE WHEN count(m.value) > 0
            THEN (count(*) FILTER (WHERE m.value > m.scale_min)) / count(m.value) END AS ratio
FROM mine f
LEFT JOIN mine m
  ON m.checkin_id = f.checkin_id AND m.subscale_id = $subscale_id AND m.show_if_item = f.item_id
WHERE f.subscale_id = $often_subscale AND f.value > f.scale_min
GROUP BY f.partner_id, f.period
ORDER BY f.partner_id, f.period
