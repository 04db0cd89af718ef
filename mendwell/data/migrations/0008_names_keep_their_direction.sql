-- Names hold none of Unicode's bidirectional embeddings, overrides or isolates (U+202A to U+202E, U+2066 to
-- U+2069): one left open in a name turned the app's own words after it backwards, in sentences, the sidebar's
-- chooser, the caseload and the audit log. Names saved since are cleaned as they are saved (clean_name) or
-- imported; these were saved before: cleaned as clean_name does (spaces collapsed), and a name that was nothing
-- else is named by its number. An account's sign-in key is left as it was (it is unique), only the name it
-- shows is cleaned.
UPDATE couples SET name = coalesce(nullif(trim(regexp_replace(regexp_replace(name,
    '[\x{202A}-\x{202E}\x{2066}-\x{2069}]', '', 'g'), '\s+', ' ', 'g')), ''), 'Couple ' || couple_id)
WHERE regexp_matches(name, '[\x{202A}-\x{202E}\x{2066}-\x{2069}]');
UPDATE partners SET name = coalesce(nullif(trim(regexp_replace(regexp_replace(name,
    '[\x{202A}-\x{202E}\x{2066}-\x{2069}]', '', 'g'), '\s+', ' ', 'g')), ''), 'Partner ' || slot)
WHERE regexp_matches(name, '[\x{202A}-\x{202E}\x{2066}-\x{2069}]');
UPDATE accounts SET name = coalesce(nullif(trim(regexp_replace(regexp_replace(name,
    '[\x{202A}-\x{202E}\x{2066}-\x{2069}]', '', 'g'), '\s+', ' ', 'g')), ''), 'Account ' || account_id)
WHERE regexp_matches(name, '[\x{202A}-\x{202E}\x{2066}-\x{2069}]');
