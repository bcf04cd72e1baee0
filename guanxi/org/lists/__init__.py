"""The shared list toolkit (spec: the vocabulary; registry: the lists by key). See docs/lists.md."""
