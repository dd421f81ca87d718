"""Pure renderers: records (dicts) in, inert HTML out; one module per panel."""
