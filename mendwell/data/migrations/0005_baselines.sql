-- Honest numbers: the month a therapist marks as the start of therapy for a couple (each partner's
-- baseline is then their first check-in from that month on; without a mark, their first check-in),
-- and a subscale's published norms (clinical and community populations) as recorded with its version.
-- Norms of versions recorded before this migration are rebuilt from their JSON snapshot right after.
CREATE TABLE baselines (
    couple_id INTEGER PRIMARY KEY,
    period    DATE NOT NULL CHECK (day(period) = 1),
    marked_at TIMESTAMP NOT NULL
);

ALTER TABLE instrument_subscales ADD COLUMN clinical_mean DOUBLE;
ALTER TABLE instrument_subscales ADD COLUMN clinical_sd DOUBLE;
ALTER TABLE instrument_subscales ADD COLUMN community_mean DOUBLE;
ALTER TABLE instrument_subscales ADD COLUMN community_sd DOUBLE;
ALTER TABLE instrument_subscales ADD COLUMN norms_source VARCHAR;
