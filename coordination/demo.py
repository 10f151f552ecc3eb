def coordination_load_demo():
    """Demo records for the demo villages; filled in with the coordination pages."""
    return {}
