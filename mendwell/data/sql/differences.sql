WITH answers AS (
    SELECT c.partner_id, r.instrument_id, r.instrument_version, r.item_id, r.value
    FROM checkins c JOIN responses r USING (checkin_id)
    WHERE c.couple_id = $couple_id AND c.period = $period AND c.status = 'submitted' AND r.value IS NOT NULL
)
SELECT a.instrument_id, a.item_id, a.partner_id AS first_id, a.value AS first_value,
       b.partner_id AS second_id, b.value AS second_value,
       abs(a.value - b.value) / (i.scale_max - i.scale_min) AS distance
FROM answers a
JOIN answers b
  ON b.instrument_id = a.instrument_id AND b.item_id = a.item_id AND b.partner_id > a.partner_id
JOIN instrument_items i
  ON i.instrument_id = a.instrument_id AND i.version = a.instrument_version AND i.item_id = a.item_id
WHERE NOT i.private AND i.kind IN ('likert', 'choice', 'count', 'yesno') AND a.value <> b.value
ORDER BY distance DESC, a.instrument_id, i.position
LIMIT $top
