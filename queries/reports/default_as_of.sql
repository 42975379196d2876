-- The data's freshness: the latest instant any load describes.
SELECT max(data_as_of) AS as_of FROM raw_loads WHERE status = 'ok'
