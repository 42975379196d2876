-- Remove the demo's own rows from the user-input store before the demo rewrites them.
-- Only ids starting with 'demo-' are touched: what people typed or imported stays.
DELETE FROM retro_cards WHERE card_id LIKE 'demo-%';
DELETE FROM action_items WHERE action_id LIKE 'demo-%';
DELETE FROM action_reviews WHERE action_id LIKE 'demo-%' OR retro_id LIKE 'demo-%';
DELETE FROM agreements WHERE agreement_id LIKE 'demo-%';
DELETE FROM hypotheses WHERE hypothesis_id LIKE 'demo-%';
DELETE FROM retros WHERE retro_id LIKE 'demo-%';
DELETE FROM forecasts WHERE forecast_id LIKE 'demo-%';
