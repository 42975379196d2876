-- The anonymous cards of retro $retro_id (there is no author column), most votes first.
SELECT card_id, column_name, text, theme, votes
FROM retro_cards
WHERE retro_id = $retro_id
ORDER BY votes DESC, card_id
