"""What the billing app registers with lower apps at start-up."""
