-- scalar: x, unit
-- A product metric's value with its unit, for a sentence (an agreement's reason): four
-- significant digits below 1,000 ('3.541 %', '179.5 users': a mean just short of its target
-- never reads as the target), one decimal with thousands separators from 1,000 on
-- ('12,345.6 EUR'); '%' follows the number with a space as every percentage on the pages does.
(CASE WHEN abs(x) >= 1000 THEN format('{:,.1f}', x) ELSE printf('%.4g', x) END)
    || CASE WHEN coalesce(unit, '') = '' THEN '' WHEN unit = '%' THEN ' %' ELSE ' ' || unit END
