"""What the commerce app registers with lower apps at start-up."""
