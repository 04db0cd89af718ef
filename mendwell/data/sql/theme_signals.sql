-- Every (couple, partner, month, theme, source item) where a theme showed up: for one couple
-- ($couple_id) or a list of them ($couple_ids), from the month $since on (NULL: all).
WITH mine AS (
    SELECT c.checkin_id, c.couple_id, c.partner_id, c.period FROM checkins c
    WHERE ($couple_id IS NULL OR c.couple_id = $couple_id)
      AND ($couple_ids IS NULL OR list_contains($couple_ids, c.couple_id))
      AND ($since IS NULL OR c.period >= $since)
      AND c.status = 'submitted'
),
answered AS (
    SELECT m.couple_id, m.partner_id, m.period, r.instrument_id, r.instrument_version, r.item_id, r.value, r.text
    FROM responses r JOIN mine m USING (checkin_id)
),
from_choices AS (
    SELECT a.couple_id, a.partner_id, a.period, o.theme AS theme_id, a.instrument_id, a.item_id
    FROM answered a
    JOIN instrument_items i
      ON i.instrument_id = a.instrument_id AND i.version = a.instrument_version AND i.item_id = a.item_id
    JOIN instrument_options o
      ON o.instrument_id = a.instrument_id AND o.version = a.instrument_version AND o.item_id = a.item_id
    WHERE i.kind = 'multi' AND NOT i.private AND o.theme IS NOT NULL
      AND list_contains(CAST(a.text AS INTEGER[]), o.value)
),
from_items AS (
    SELECT a.couple_id, a.partner_id, a.period, unnest(i.themes) AS theme_id, a.instrument_id, a.item_id
    FROM answered a
    JOIN instrument_items i
      ON i.instrument_id = a.instrument_id AND i.version = a.instrument_version AND i.item_id = a.item_id
    LEFT JOIN instrument_subscales s
      ON s.instrument_id = i.instrument_id AND s.version = i.version AND s.subscale_id = i.subscale_id
    WHERE len(i.themes) > 0 AND NOT i.private AND a.value IS NOT NULL
      AND CASE WHEN (coalesce(s.higher_is, 'worse') = 'better') = (NOT i.reverse)
               THEN a.value <= (i.scale_min + i.scale_max) / 2.0
               ELSE a.value >= (i.scale_min + i.scale_max) / 2.0 END
)
SELECT couple_id, partner_id, period, theme_id, instrument_id, item_id FROM from_choices
UNION ALL
SELECT couple_id, partner_id, period, theme_id, instrument_id, item_id FROM from_items
ORDER BY couple_id, partner_id, period, theme_id
