WITH mine AS (
    SELECT c.partner_id, r.item_id, r.value, i.subscale_id, i.position, i.show_if_item, i.scale_min
    FROM checkins c JOIN responses r USING (checkin_id)
    JOIN instrument_items i
      ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
    WHERE c.couple_id = $couple_id AND c.period = $period AND c.status = 'submitted' AND r.instrument_id = $instrument_id
      AND NOT i.private
)
-- a "was it mended?" follow-up belongs to the hurt its show_if depends on
SELECT f.partner_id, f.item_id AS often_item, f.value AS often, m.item_id AS repaired_item, m.value AS repaired
FROM mine f
LEFT JOIN mine m
  ON m.partner_id = f.partner_id AND m.subscale_id = $repaired_subscale AND m.show_if_item = f.item_id
WHERE f.subscale_id = $often_subscale AND f.value > f.scale_min
ORDER BY f.partner_id, f.position
