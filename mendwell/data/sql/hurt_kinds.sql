SELECT c.partner_id, c.period, r.item_id, r.value
FROM checkins c
JOIN responses r USING (checkin_id)
JOIN instrument_items i
  ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
WHERE c.couple_id = $couple_id AND c.status = 'submitted' AND r.instrument_id = $instrument_id AND i.subscale_id = $subscale_id
  AND NOT i.private AND r.value > i.scale_min
ORDER BY c.partner_id, c.period, i.position
