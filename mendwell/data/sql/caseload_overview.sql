SELECT c.couple_id, c.name, coalesce(c.checkin_day, $default_day) AS checkin_day,
       (SELECT count(*) FROM partners p WHERE p.couple_id = c.couple_id) AS partners,
       (SELECT max(k.period) FROM checkins k WHERE k.couple_id = c.couple_id AND k.status = 'submitted')
           AS last_checkin,
       (SELECT count(*) FROM checkins k WHERE k.couple_id = c.couple_id AND k.period = $period
           AND k.status = 'submitted') AS submitted_now
FROM couples c
WHERE list_contains($couples, c.couple_id)
ORDER BY c.name, c.couple_id
