"""The hidden graders: one pytest module per assignment. Never released to students."""
