"""Small extractors, one per ticket field, over the joined words of a transcript."""
