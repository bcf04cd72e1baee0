"""What the sales app registers with lower apps at start-up."""
