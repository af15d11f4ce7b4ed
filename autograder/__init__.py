"""The instructor side of the course: configuration, stub building and grading."""
