-- A cheap signature of every submitted check-in in the practice: how many, the sum and the largest of
-- their ids. Submitted check-ins never change, so this changes exactly when one is submitted, imported
-- or erased; the reference population (reference_items.sql) is cached by it.
SELECT count(*) AS n, coalesce(sum(checkin_id), 0) AS id_sum, coalesce(max(checkin_id), 0) AS id_max
FROM checkins
WHERE status = 'submitted'
