"""API schemas of the commerce app, one module per document (separate In and Out schemas): common (shared
types and references), products (catalogue and settings), quotes, contracts, orders."""
