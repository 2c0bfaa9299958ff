"""The question bank: schemas of bank items, loading question_bank/, syncing it to the database."""
