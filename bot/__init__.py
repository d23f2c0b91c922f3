"""Entraide: a chat assistant for the volunteers of local associations."""
