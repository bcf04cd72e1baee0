"""Real-estate sales (房地产销售, the Mingyuan cycle): projects, buildings and units, pricing, payment schemes and
discounts, purchase plans, release and sales control. Switched on per installation (settings.REALESTATE_ENABLED,
the GUANXI_REALESTATE environment variable); invisible when off. docs/realestate.md."""
