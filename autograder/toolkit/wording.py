"""Small helpers that keep feedback grammatical: "1 example", "2 examples"."""


def count(number: int, noun: str, plural: str | None = None) -> str:
    """'1 example', '3 examples' (plural defaults to noun + 's')."""
    return f"{number} {noun if number == 1 else (plural or noun + 's')}"


def verb(number: int, singular: str = "is", plural: str = "are") -> str:
    """The verb that agrees with number: 'is' for 1, 'are' otherwise."""
    return singular if number == 1 else plural
