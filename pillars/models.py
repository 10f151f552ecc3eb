# Models arrive with the pillars and coordination issue.
