"""What a fitted model delivers: maps on the sky (:mod:`.maps`), derived quantities with posterior
ranges (:mod:`.derived`), DS9 regions (:mod:`.regions`); the lensing fields behind them (:mod:`.fields`)."""
