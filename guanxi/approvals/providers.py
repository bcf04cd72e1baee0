"""What the approvals app registers with lower apps at start-up."""
