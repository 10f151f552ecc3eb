def pillars_load_demo():
    """Demo records for the demo villages; filled in with the pillars pages."""
    return {}
