-- scalar: x, unit
-- A delivery metric's value as the pages show it, for a sentence (an agreement's reason):
-- shares and ratios in whole percent ('70 %'), days to 0.1 ('6.0 d'), other figures as they are.
CASE WHEN unit IN ('share', 'ratio') THEN printf('%.0f %%', x * 100)
     WHEN unit = 'days' THEN printf('%.1f d', x)
     ELSE x::VARCHAR END
