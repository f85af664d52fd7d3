"""One adapter per tokenizer file format, all behind TokenizerView (base.py)."""
