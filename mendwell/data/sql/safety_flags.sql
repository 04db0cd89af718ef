SELECT DISTINCT c.couple_id, c.partner_id
FROM checkins c
JOIN responses r USING (checkin_id)
JOIN instrument_versions v ON v.instrument_id = r.instrument_id AND v.version = r.instrument_version
JOIN instrument_items i
  ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
WHERE c.status = 'submitted' AND c.period >= $since AND list_contains($couples, c.couple_id)
  AND json_extract(v.definition, '$.safety')::BOOLEAN
  AND r.value > i.scale_min
