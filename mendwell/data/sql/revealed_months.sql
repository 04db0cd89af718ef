SELECT c.period
FROM checkins c JOIN partners p USING (partner_id)
WHERE c.couple_id = $couple_id AND c.status = 'submitted'
GROUP BY c.period
HAVING count(DISTINCT c.partner_id) = (SELECT count(*) FROM partners WHERE couple_id = $couple_id)
ORDER BY c.period DESC
