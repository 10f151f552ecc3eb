"""The portal's date and number formats, one style per language (FORMAT_MODULE_PATH)."""
