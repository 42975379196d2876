-- Row counts of the user-input store (snapshot in temp tables).
SELECT 'retros' AS table_name, count(*) AS row_count FROM retros
UNION ALL SELECT 'retro_cards', count(*) FROM retro_cards
UNION ALL SELECT 'action_items', count(*) FROM action_items
UNION ALL SELECT 'action_reviews', count(*) FROM action_reviews
UNION ALL SELECT 'agreements', count(*) FROM agreements
UNION ALL SELECT 'hypotheses', count(*) FROM hypotheses
UNION ALL SELECT 'forecasts', count(*) FROM forecasts
