SELECT c.partner_id, n.body
FROM notes n JOIN checkins c USING (checkin_id)
WHERE c.couple_id = $couple_id AND c.period = $period AND c.status = 'submitted' AND NOT n.is_private
ORDER BY c.partner_id
