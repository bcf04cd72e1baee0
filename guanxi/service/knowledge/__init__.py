"""The service knowledge base (知识库): articles agents write once and find again from a ticket."""
