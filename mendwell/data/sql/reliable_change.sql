-- Each score of one couple ($couple_id; NULL: every couple) with what reliable change judges it by:
-- the partner's baseline (their first score of the subscale, or their first from the couple's marked
-- start of therapy on), the previous score (for words about month-to-month movement only, never a
-- verdict), and the subscale's declared reliability and published norms, from the version the score
-- was given under. The reference SD and the measured reliability come from reference_items.sql.
WITH sc AS (
-- include: scores
),
ordered AS (
    SELECT s.*, b.period AS start_period,
           lag(s.score) OVER w AS previous_score,
           lag(s.period) OVER w AS previous_period,
           lag(s.band_tone) OVER w AS previous_tone
    FROM sc s
    LEFT JOIN baselines b ON b.couple_id = s.couple_id
    WINDOW w AS (PARTITION BY s.partner_id, s.instrument_id, s.subscale_id ORDER BY s.period)
),
baseline AS (
    SELECT partner_id, instrument_id, subscale_id, period AS reference_period, score AS reference_score
    FROM ordered
    WHERE start_period IS NULL OR period >= start_period
    QUALIFY row_number() OVER (PARTITION BY partner_id, instrument_id, subscale_id ORDER BY period) = 1
)
SELECT o.couple_id, o.partner_id, o.period, o.instrument_id, o.subscale_id, o.score, o.band, o.band_tone,
       o.higher_is, o.private, o.n_items, o.instrument_version, o.start_period,
       o.previous_score, o.previous_period, o.previous_tone, o.score - o.previous_score AS month_change,
       bl.reference_period, bl.reference_score, o.score - bl.reference_score AS change,
       sub.scoring, sub.reliability AS declared_reliability,
       sub.clinical_mean, sub.clinical_sd, sub.community_mean, sub.community_sd, sub.norms_source
FROM ordered o
JOIN instrument_subscales sub
  ON sub.instrument_id = o.instrument_id AND sub.version = o.instrument_version AND sub.subscale_id = o.subscale_id
LEFT JOIN baseline bl
  ON bl.partner_id = o.partner_id AND bl.instrument_id = o.instrument_id AND bl.subscale_id = o.subscale_id
-- $latest_only: each partner's latest score of each subscale only (what the caseload's flags look at)
QUALIFY NOT coalesce($latest_only, false)
     OR row_number() OVER (PARTITION BY o.partner_id, o.instrument_id, o.subscale_id ORDER BY o.period DESC) = 1
ORDER BY o.couple_id, o.partner_id, o.instrument_id, o.subscale_id, o.period
