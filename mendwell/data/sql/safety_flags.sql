-- Partners whose private safety check raised a concern (any answer above a question's lowest) in a month from
-- $since, in a check-in sent while its partner was told a "yes" raises a flag (`safety.therapist_told`): at or
-- after $sent_from, the moment the practice turned the flag on, and after the couple had a therapist. An answer
-- given while the check-in said it was only for them never reaches a therapist afterwards.
SELECT DISTINCT c.couple_id, c.partner_id
FROM checkins c
JOIN responses r USING (checkin_id)
JOIN instrument_versions v ON v.instrument_id = r.instrument_id AND v.version = r.instrument_version
JOIN instrument_items i
  ON i.instrument_id = r.instrument_id AND i.version = r.instrument_version AND i.item_id = r.item_id
WHERE c.status = 'submitted' AND c.period >= $since AND list_contains($couples, c.couple_id)
  AND json_extract(v.definition, '$.safety')::BOOLEAN
  AND r.value > i.scale_min
  AND c.submitted_at >= CAST($sent_from AS TIMESTAMP)
  AND c.submitted_at >= (SELECT min(g.granted_at) FROM grants g WHERE g.couple_id = c.couple_id)
