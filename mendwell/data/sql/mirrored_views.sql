WITH mine AS (
    SELECT c.checkin_id, c.partner_id, c.period FROM checkins c
    WHERE c.couple_id = $couple_id AND c.status = 'submitted'
),
answered AS (
    SELECT m.partner_id, m.period, r.instrument_id, r.item_id, i.subscale_id, i.mirror,
           CASE WHEN i.reverse THEN i.scale_min + i.scale_max - r.value ELSE r.value END AS v
    FROM responses r JOIN mine m USING (checkin_id)
    JOIN instrument_items i
      ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
    WHERE r.value IS NOT NULL AND NOT i.private
)
-- `receiver` is the partner whose reaches are in question; their own view
-- comes from the mirrored ("was met") item, the giver's from the mirror item.
SELECT recv.partner_id AS receiver_id, give.partner_id AS giver_id, recv.period,
       recv.instrument_id, recv.subscale_id AS receiver_subscale,
       avg(recv.v) AS receiver_view, avg(give.v) AS giver_view,
       avg(give.v) - avg(recv.v) AS gap, count(*) AS pairs
FROM answered give
JOIN answered recv
  ON recv.item_id = give.mirror AND recv.instrument_id = give.instrument_id
 AND recv.period = give.period AND recv.partner_id <> give.partner_id
GROUP BY recv.partner_id, give.partner_id, recv.period, recv.instrument_id, recv.subscale_id
ORDER BY receiver_id, recv.period
