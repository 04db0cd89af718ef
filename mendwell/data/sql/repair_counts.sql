-- Per partner and month: the small hurts named (a `frequency` answer above "not this month") and what their
-- "was it mended?" follow-ups said: mended (the top of the scale), partly (in between), not yet (the bottom),
-- or left blank (not known, never counted as any of the three).
WITH mine AS (
    SELECT c.checkin_id, c.partner_id, c.period, r.item_id, r.value, i.subscale_id, i.show_if_item,
           i.scale_min, i.scale_max
    FROM checkins c JOIN responses r USING (checkin_id)
    JOIN instrument_items i
      ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
    WHERE c.couple_id = $couple_id AND c.status = 'submitted' AND r.instrument_id = $instrument_id AND NOT i.private
)
SELECT f.partner_id, f.period,
       count(*) AS named,
       count(*) FILTER (WHERE m.value >= m.scale_max) AS mended,
       count(*) FILTER (WHERE m.value > m.scale_min AND m.value < m.scale_max) AS partly,
       count(*) FILTER (WHERE m.value <= m.scale_min) AS not_yet,
       count(*) - count(m.value) AS unanswered
FROM mine f
LEFT JOIN mine m
  ON m.checkin_id = f.checkin_id AND m.subscale_id = $subscale_id AND m.show_if_item = f.item_id
WHERE f.subscale_id = $often_subscale AND f.value > f.scale_min
GROUP BY f.partner_id, f.period
ORDER BY f.partner_id, f.period
